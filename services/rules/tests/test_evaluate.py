"""Evaluation: expressions, disabled rules, evidence, and conditions that fail at run time."""

from __future__ import annotations

import copy
from typing import Any

from rules.default_rules import DEFAULT_RULES
from rules.engine.evaluate import evaluate
from rules.engine.expressions import Evaluator, compile_condition, contains_any
from rules.engine.facts import FACTS, baseline_facts
from rules.engine.ruleset import compile_rule_set


def rule(rule_id: str, **changes: Any) -> dict[str, Any]:
    found = copy.deepcopy(next(r for r in DEFAULT_RULES if r["id"] == rule_id))
    found.update(changes)
    return found


def truth(condition: str, **facts: Any) -> bool:
    return Evaluator().truth(compile_condition(condition, FACTS), {**baseline_facts(), **facts})


def test_expression_language() -> None:
    assert truth("channel in ['taobao', 'douyin'] and not is_paid == False")
    assert truth("channel not in ('pinduoduo',)")
    assert truth("max(paid_total_fen, 5) - min(1, 2) == 19899")
    assert truth("len(receiver_missing) == 0 and abs(-1) == 1")
    assert truth("'phone' in receiver_missing", receiver_missing=["phone"])
    assert truth("('big' if paid_total_fen >= 10000 else 'small') == 'big'")
    assert not truth("contains_any(remark_text, ['发票', '赠品'])")
    assert truth("contains_any(remark_text, ['发票', '赠品'])", remark_text="要送赠品")


def test_constant_lists_are_folded_without_changing_meaning() -> None:
    condition = compile_condition("contains_any(remark_text, ['a', ['b', 'c']]) or skus == []", FACTS)
    assert condition.names == ("remark_text", "skus")
    assert truth("contains_any(remark_text, ['x', 'y'])", remark_text="xyz")
    assert truth("[1, 2] == [1, 2]")  # both sides folded alike


def test_contains_any() -> None:
    assert contains_any("红星村三组", ["村", "屯"])
    assert not contains_any("文三路", ("村", "屯", "组"))


def test_disabled_rule_does_not_fire() -> None:
    rule_set = compile_rule_set(3, [rule("R11", enabled=False), rule("R06")])
    facts = {**baseline_facts(), "paid_total_cny_fen": 500_000, "receiver_missing": ["name"]}
    assert [h.rule.id for h in evaluate(rule_set, facts)] == ["R06"]


def test_evidence_holds_the_facts_read_with_phones_masked() -> None:
    rule_set = compile_rule_set(3, [rule("R01")])
    facts = {
        **baseline_facts(),
        "is_village_address": True,
        "receiver_phone": "05718888",
        "phone_is_11_digits": False,
    }
    (hit,) = evaluate(rule_set, facts)
    assert hit.evidence == {
        "ships_to_mainland": True,
        "is_village_address": True,
        "receiver_phone": "057****8888",
        "phone_is_11_digits": False,
    }


FRAGILE = "100 // (paid_total_fen - 1) >= 0"  # valid on its examples, divides by zero at paid 1


def test_failing_holding_rule_holds_the_order_for_a_person() -> None:
    examples = {"must_trigger": {}, "must_not_trigger": {"paid_total_fen": 0}}
    rule_set = compile_rule_set(3, [rule("R11", condition=FRAGILE, examples=examples)])
    (hit,) = evaluate(rule_set, {**baseline_facts(), "paid_total_fen": 1})
    assert hit.rule.id == "R11"
    assert hit.evidence["evaluation_error"].startswith("ZeroDivisionError")


def test_failing_level_1_rule_is_skipped() -> None:
    examples = {"must_trigger": {}, "must_not_trigger": {"paid_total_fen": 0}}
    rule_set = compile_rule_set(3, [rule("R14", condition=FRAGILE, examples=examples)])
    assert evaluate(rule_set, {**baseline_facts(), "paid_total_fen": 1}) == []

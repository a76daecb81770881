"""The rule-set validator refuses anything unsafe or wrong, and says which rule is at fault."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rules.default_rules import DEFAULT_RULES
from rules.engine.ruleset import RuleSetInvalid, compile_rule_set


def r11(**changes: Any) -> dict[str, Any]:
    rule = copy.deepcopy(next(r for r in DEFAULT_RULES if r["id"] == "R11"))
    rule.update(changes)
    return rule


def refusal(*rules: dict[str, Any]) -> str:
    with pytest.raises(RuleSetInvalid) as info:
        compile_rule_set(2, list(rules))
    return str(info.value)


def test_valid_rule_compiles() -> None:
    compiled = compile_rule_set(2, [r11()])
    assert compiled.version == 2
    assert compiled.rules[0].condition.names == ("paid_total_cny_fen", "max_sku_quantity")


def test_unparseable_condition_is_refused_naming_the_rule() -> None:
    message = refusal(r11(condition="paid_total_fen >= (200000"))
    assert message.startswith("R11 大额订单: condition: does not parse")


def test_unknown_name_is_refused_naming_the_rule() -> None:
    message = refusal(r11(condition="paid_total >= 200000"))
    assert "R11 大额订单" in message and "unknown name 'paid_total'" in message


def test_unknown_function_is_refused() -> None:
    assert "unknown function 'open'" in refusal(r11(condition="open('x') or paid_total_fen >= 200000"))


@pytest.mark.parametrize(
    ("condition", "complaint"),
    [
        ("().__class__.__bases__", "attribute access"),
        ("paid_total_fen.bit_length() > 17", "attribute access"),
        ("skus[0] == 'A'", "indexing"),
        ("(lambda: 1)()", "lambda"),
        ("[s for s in skus] == []", "comprehension"),
        ("paid_total_fen ** 99999 > 0", "**"),
        ("len(skus, key=1) > 0", "positional arguments only"),
        ("len == 1", "must be called"),
        ("(x := 1) == 1", "assignment"),
        ("{'a': 1} == {}", "dict literal"),
        ("f'{channel}' == 'x'", "f-string"),
        ("__import__('os')", "unknown function '__import__'"),
    ],
)
def test_unsafe_syntax_is_refused(condition: str, complaint: str) -> None:
    message = refusal(r11(condition=condition))
    assert message.startswith("R11 大额订单: condition:") and complaint in message


def test_example_that_does_not_trigger_is_refused() -> None:
    message = refusal(r11(condition="paid_total_cny_fen > 200000"))  # 200000 itself no longer fires
    assert "R11 大额订单: example must_trigger does not trigger the rule" in message


def test_example_that_triggers_when_it_must_not_is_refused() -> None:
    message = refusal(r11(condition="paid_total_cny_fen >= 199999"))
    assert "R11 大额订单: example must_not_trigger triggers the rule" in message


def test_example_with_unknown_fact_or_wrong_type_is_refused() -> None:
    examples = {"must_trigger": {"paid_total": 200000}, "must_not_trigger": {"paid_total_fen": "199999"}}
    message = refusal(r11(examples=examples))
    assert "R11 大额订单: example must_trigger: unknown fact 'paid_total'" in message
    assert "example must_not_trigger: fact 'paid_total_fen' must be int" in message


def test_condition_failing_on_an_example_is_refused() -> None:
    message = refusal(r11(condition="100 // (paid_total_cny_fen - 200000) == 0 or paid_total_cny_fen >= 200000"))
    assert "R11 大额订单: example must_trigger: condition failed: ZeroDivisionError" in message


def test_level_and_hold_must_agree() -> None:
    assert "needs a hold action" in refusal(r11(actions=[{"kind": "wecom", "target": "ops_manager"}]))
    assert "level 1 (提醒) never holds" in refusal(r11(level=1))


def test_malformed_rule_is_refused_with_its_id() -> None:
    message = refusal(r11(level=4, actions=[{"kind": "fax"}]))
    assert "R11: level:" in message and "R11: actions.0.kind:" in message


def test_rule_without_id_is_named_by_position() -> None:
    rule = r11()
    del rule["id"]
    assert "rule #1: id: Field required" in refusal(rule)


def test_bad_id_and_duplicates_are_refused() -> None:
    assert "R11x: id:" in refusal(r11(id="R11x"))
    assert "R11 大额订单: duplicate rule id R11" in refusal(r11(), r11())


def test_empty_rule_set_is_refused() -> None:
    assert "no rules" in refusal()


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(RuleSetInvalid) as info:
        compile_rule_set(2, [r11(condition="nope > 1"), r11(id="R12", name="备注", condition="(")])
    assert [e.split(":")[0] for e in info.value.errors] == ["R11 大额订单", "R12 备注"]


def test_disabled_rules_are_still_validated() -> None:
    assert "unknown name" in refusal(r11(enabled=False, condition="nope > 1"))

"""Rules as data, and the validator every rule set passes before it is used.

A rule set is valid when every rule is well-formed, its condition compiles against the fact
catalogue, its level and actions agree (levels 2 and 3 hold, level 1 never does), and its two
examples behave: `must_trigger` fires the rule and `must_not_trigger` does not. Examples are
overrides of the baseline facts (a clean paid order), so they name only what matters.
Every error names the rule it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rules.engine.catalogue import Trigger
from rules.engine.expressions import Condition, ConditionError, Evaluator, compile_condition
from rules.engine.facts import FACTS, baseline_facts, conforms

Level = Literal[1, 2, 3]
ActionKind = Literal["hold", "sms", "wecom", "popup", "tag"]
LEVEL_NAMES: dict[int, str] = {1: "提醒", 2: "复核", 3: "拦截"}
RULE_ID_PATTERN = r"^R\d{2}(-[A-Z0-9]+)?$"


class RuleAction(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ActionKind
    target: str = Field(default="", max_length=64)  # customer, regional_manager, ops_manager, pick_list, ...
    text: str = Field(default="", max_length=500)


class RuleExamples(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    must_trigger: dict[str, Any]
    must_not_trigger: dict[str, Any]


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=RULE_ID_PATTERN)
    name: str = Field(min_length=1, max_length=40)
    level: Level
    on: tuple[Trigger, ...] = Field(default=("order.placed",), min_length=1, description="what it reacts to")
    condition: str = Field(min_length=1)
    actions: tuple[RuleAction, ...] = ()
    enabled: bool = True
    examples: RuleExamples
    description: str = Field(default="", max_length=500)

    @property
    def holds(self) -> bool:
        return self.level >= 2


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    condition: Condition


@dataclass(frozen=True)
class CompiledRuleSet:
    """A validated rule set, conditions parsed once, ready to evaluate."""

    version: int
    rules: tuple[CompiledRule, ...]  # all rules, enabled or not
    evaluator: Evaluator

    @cached_property
    def enabled(self) -> tuple[CompiledRule, ...]:
        return tuple(r for r in self.rules if r.rule.enabled)

    @cached_property
    def _by_trigger(self) -> dict[str, tuple[CompiledRule, ...]]:
        found: dict[str, list[CompiledRule]] = {}
        for compiled in self.enabled:
            for trigger in compiled.rule.on:
                found.setdefault(trigger, []).append(compiled)
        return {trigger: tuple(rules) for trigger, rules in found.items()}

    def enabled_for(self, trigger: str) -> tuple[CompiledRule, ...]:
        """The enabled rules that react to `trigger`, in rule-set order."""
        return self._by_trigger.get(trigger, ())


class RuleSetInvalid(ValueError):
    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def compile_rule_set(version: int, raw_rules: Sequence[Mapping[str, Any] | Rule]) -> CompiledRuleSet:
    """Validate and compile; raises RuleSetInvalid listing every problem, each naming its rule."""
    errors: list[str] = []
    evaluator = Evaluator()
    compiled: list[CompiledRule] = []
    seen: set[str] = set()
    if not raw_rules:
        errors.append("the rule set has no rules")
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, index, errors)
        if rule is None:
            continue
        label = f"{rule.id} {rule.name}"
        if rule.id in seen:
            errors.append(f"{label}: duplicate rule id {rule.id}")
        seen.add(rule.id)
        condition, problems = _check_rule(rule, evaluator)
        errors.extend(f"{label}: {p}" for p in problems)
        if condition is not None and not problems:
            compiled.append(CompiledRule(rule, condition))
    if errors:
        raise RuleSetInvalid(errors)
    return CompiledRuleSet(version=version, rules=tuple(compiled), evaluator=evaluator)


def _parse_rule(raw: Mapping[str, Any] | Rule, index: int, errors: list[str]) -> Rule | None:
    if isinstance(raw, Rule):
        return raw
    try:
        return Rule.model_validate(raw)
    except ValidationError as exc:
        label = str(raw.get("id") or f"rule #{index + 1}") if isinstance(raw, Mapping) else f"rule #{index + 1}"
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "rule"
            errors.append(f"{label}: {where}: {err['msg']}")
        return None


def _check_rule(rule: Rule, evaluator: Evaluator) -> tuple[Condition | None, list[str]]:
    problems: list[str] = []
    kinds = [a.kind for a in rule.actions]
    if len(set(rule.on)) != len(rule.on):
        problems.append("on: a trigger is listed twice")
    if rule.holds and "hold" not in kinds:
        problems.append(f"level {rule.level} ({LEVEL_NAMES[rule.level]}) holds the order: it needs a hold action")
    if not rule.holds and "hold" in kinds:
        problems.append("level 1 (提醒) never holds the order: remove the hold action")
    try:
        condition = compile_condition(rule.condition, FACTS)
    except ConditionError as exc:
        return None, [*problems, f"condition: {exc}"]
    for key, expected in (("must_trigger", True), ("must_not_trigger", False)):
        overrides: dict[str, Any] = getattr(rule.examples, key)
        bad = _example_problems(overrides)
        if bad:
            problems.extend(f"example {key}: {b}" for b in bad)
            continue
        facts = {**baseline_facts(), "trigger": rule.on[0], **overrides}
        try:
            outcome = evaluator.truth(condition, facts)
        except Exception as exc:
            problems.append(f"example {key}: condition failed: {type(exc).__name__}: {exc}")
            continue
        if outcome is not expected:
            verb = "does not trigger" if expected else "triggers"
            problems.append(f"example {key} {verb} the rule (facts {overrides})")
    return condition, problems


def _example_problems(overrides: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, value in overrides.items():
        if name not in FACTS:
            problems.append(f"unknown fact {name!r}")
        elif not conforms(name, value):
            problems.append(f"fact {name!r} must be {FACTS[name].type_name}, got {value!r}")
    return problems


def rule_set_document(rule_set: CompiledRuleSet) -> list[dict[str, Any]]:
    """The rules as stored (JSONB) and shown by the API."""
    return [r.rule.model_dump(mode="json") for r in rule_set.rules]

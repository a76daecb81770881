"""Running a compiled rule set over one order's facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orderhub_runtime.logging import get_logger

from rules.engine.facts import FACTS, shown
from rules.engine.ruleset import CompiledRule, CompiledRuleSet, Rule

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    evidence: dict[str, Any]  # the facts the condition read, as shown to people (phones masked)


def evaluate(rule_set: CompiledRuleSet, facts: Mapping[str, Any], trigger: str = "order.placed") -> list[Hit]:
    """The enabled rules reacting to `trigger` whose condition holds, in rule-set order.

    A condition that fails on this order (validated sets should never, but data surprises)
    counts as a hit for holding rules, so a person looks at the order rather than it shipping
    unchecked, and is skipped for level-1 rules, which only inform. Either way it is logged.
    """
    hits: list[Hit] = []
    for compiled in rule_set.enabled_for(trigger):
        try:
            fired = rule_set.evaluator.truth(compiled.condition, facts)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.error("rules.condition_failed", rule_id=compiled.rule.id, version=rule_set.version, error=error)
            if compiled.rule.holds:
                hits.append(Hit(compiled.rule, {**_evidence(compiled, facts), "evaluation_error": error}))
            continue
        if fired:
            hits.append(Hit(compiled.rule, _evidence(compiled, facts)))
    return hits


def _evidence(compiled: CompiledRule, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts the condition read, and what they are shown with (R02's problem comes with the
    address as the system understood it, so customer service sees both)."""
    names = dict.fromkeys(compiled.condition.names)
    for name in compiled.condition.names:
        spec = FACTS.get(name)
        names.update(dict.fromkeys(spec.shown_with if spec else ()))
    return {name: shown(name, facts.get(name)) for name in names}

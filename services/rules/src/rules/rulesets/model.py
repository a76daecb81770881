"""Rule-set commands and the errors their use cases raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderhub_runtime.errors import DomainError


@dataclass(frozen=True)
class ReplaceRuleSet:
    """The whole new rule set; with `base_version`, refused when the active one is another."""

    rules: list[dict[str, Any]]
    by: str
    note: str | None = None
    base_version: int | None = None


@dataclass(frozen=True)
class SwitchRule:
    """Switch one rule on or off (it stays in the set, validated)."""

    rule_id: str
    enabled: bool
    by: str
    note: str | None = None


class RuleSetRefused(DomainError):
    status_code = 422
    code = "rule_set_invalid"


class NoActiveRuleSet(DomainError):
    """Only before the start-up seeding has run (or if staff left no version active)."""

    status_code = 503
    code = "no_active_rule_set"

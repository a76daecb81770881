"""The rules service's own dependencies, built once by `main.create_app`, and the aliases routes
receive them with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from rules.engine.money import ReferenceRates, reference_rates
from rules.placement.model import TimerPolicy
from rules.rulesets.service import RuleBook
from rules.settings import RulesSettings


@dataclass(frozen=True)
class RulesDeps:
    settings: RulesSettings
    rulebook: RuleBook  # compiled rule sets, cached per process
    rates: ReferenceRates  # for the yuan thresholds (R11)
    timers: TimerPolicy

    @classmethod
    def build(cls, settings: RulesSettings) -> RulesDeps:
        return cls(
            settings=settings,
            rulebook=RuleBook(),
            rates=reference_rates(settings.cny_reference_rates),
            timers=TimerPolicy.from_settings(settings),
        )


Deps = Annotated[RulesDeps, Depends(provided(RulesDeps))]
# The staff roles routes require.
Reader = Annotated[StaffMember, Depends(require_staff("cs", "manager", "ops"))]
Editor = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]

"""The insights service's own dependencies, and the aliases its routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from insights.settings import InsightsSettings


@dataclass(frozen=True)
class InsightsDeps:
    settings: InsightsSettings


Deps = Annotated[InsightsDeps, Depends(provided(InsightsDeps))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]
Agent = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]

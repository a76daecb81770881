"""The insights service's own dependencies, and the aliases its routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from insights.settings import InsightsSettings


@dataclass(frozen=True)
class InsightsDeps:
    settings: InsightsSettings
    http: httpx.AsyncClient  # toward other services' public APIs (fulfillment's 稳); closed on stop

    @classmethod
    def build(cls, settings: InsightsSettings) -> InsightsDeps:
        return cls(settings=settings, http=httpx.AsyncClient(timeout=settings.status_accuracy_timeout_s))


Deps = Annotated[InsightsDeps, Depends(provided(InsightsDeps))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]
Agent = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]

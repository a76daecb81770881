"""The service's own dependencies (built by main.create_app) and the aliases routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from aftersales.settings import AftersalesSettings


@dataclass(frozen=True)
class AftersalesDeps:
    settings: AftersalesSettings


Deps = Annotated[AftersalesDeps, Depends(provided(AftersalesDeps))]
Staff = Annotated[StaffMember, Depends(require_staff("cs", "warehouse", "manager", "ops"))]

"""The service's own dependencies (built by main.create_app) and the aliases routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from orderhub_runtime.app import provided
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import Unauthorized
from orderhub_runtime.settings import StaffMember

from aftersales.customers import CustomerSessions
from aftersales.refunds.providers import RefundProvider
from aftersales.settings import AftersalesSettings


@dataclass(frozen=True)
class AftersalesDeps:
    settings: AftersalesSettings
    sessions: CustomerSessions
    refunds: RefundProvider


Deps = Annotated[AftersalesDeps, Depends(provided(AftersalesDeps))]
Staff = Annotated[StaffMember, Depends(require_staff("cs", "warehouse", "manager", "ops"))]
Agent = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]
Dock = Annotated[StaffMember, Depends(require_staff("warehouse", "manager"))]
DockOrAgent = Annotated[StaffMember, Depends(require_staff("warehouse", "cs", "manager"))]


async def current_customer(request: Request, deps: Deps) -> str:
    """The openid behind the caller's mini-program session token (the one they order with)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("需要小程序登录（Authorization: Bearer <session token>）")
    openid = await deps.sessions.openid(token.strip())
    if openid is None:
        raise Unauthorized("登录已过期，请重新登录")
    return openid


Customer = Annotated[str, Depends(current_customer)]

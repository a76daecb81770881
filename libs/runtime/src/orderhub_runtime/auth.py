"""Staff bearer tokens: a token maps to a person and a role (cs, warehouse, manager, ops)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from fastapi import Request

from orderhub_runtime.errors import Forbidden, Unauthorized
from orderhub_runtime.settings import Role, StaffMember


def require_staff(*roles: Role) -> Callable[[Request], Awaitable[StaffMember]]:
    """FastAPI dependency: the caller's staff record, if their role is one of `roles`."""

    async def dependency(request: Request) -> StaffMember:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a staff bearer token is required (Authorization: Bearer <token>)")
        directory: dict[str, StaffMember] = request.app.state.staff_directory
        member = directory.get(token.strip())
        if member is None:
            raise Unauthorized("unknown or expired staff token")
        if roles and member.role not in roles:
            raise Forbidden(f"role {member.role!r} may not do this; allowed: {', '.join(roles)}")
        structlog.contextvars.bind_contextvars(staff=member.name, role=member.role)
        return member

    return dependency

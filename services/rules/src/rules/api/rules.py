"""The active rule set, read-only for now (replacing it is a later step)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.settings import StaffMember

from rules.api.schemas import FactView, RuleSetView
from rules.engine.expressions import FUNCTION_HELP
from rules.engine.facts import FACTS
from rules.rulebook import load_active

router = APIRouter(prefix="/v1/rules", tags=["rules"])
Reader = Annotated[StaffMember, Depends(require_staff("manager", "cs", "ops"))]


@router.get("")
async def active_rule_set(request: Request, db: DatabaseDep, _: Reader) -> RuleSetView:
    """The active rule set with its version, and the facts and functions conditions may use."""
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        stored = await load_active(tx.conn)  # seeds the defaults on a fresh database
    return RuleSetView(
        version=stored.version,
        created_by=stored.created_by,
        created_at=stored.created_at,
        rules=stored.rules,
        facts=[FactView(name=n, type=s.type_name, description=s.description) for n, s in FACTS.items()],
        functions=list(FUNCTION_HELP.values()),
    )

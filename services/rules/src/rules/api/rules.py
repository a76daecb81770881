"""The rule set over HTTP: read it (with the facts and functions conditions may use), replace
it, switch single rules on or off, and read the history of changes.

Every change is a new version stored with who made it and when; a set that does not validate
is refused with every problem, each naming its rule, and the running set stays in force."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.db import Database
from orderhub_runtime.errors import Conflict, DomainError, NotFound
from orderhub_runtime.logging import get_logger
from orderhub_runtime.settings import StaffMember

from rules.api.schemas import FactView, NoteIn, RevisionView, RuleSetIn, RuleSetView
from rules.engine.expressions import FUNCTION_HELP
from rules.engine.facts import FACTS
from rules.engine.ruleset import RuleSetInvalid
from rules.rulebook import StoredRuleSet, describe_change, history, load_active, lock_changes, store_version

log = get_logger(__name__)
router = APIRouter(prefix="/v1/rules", tags=["rules"])
Reader = Annotated[StaffMember, Depends(require_staff("manager", "cs", "ops"))]
Manager = Annotated[StaffMember, Depends(require_staff("manager"))]
# An edit of the active rules: the new rules and a line for the history saying what changed.
Edit = Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], str]]


class RuleSetRefused(DomainError):
    status_code = 422
    code = "rule_set_invalid"


def _view(stored: StoredRuleSet) -> RuleSetView:
    return RuleSetView(
        version=stored.version,
        created_by=stored.created_by,
        created_at=stored.created_at,
        rules=stored.rules,
        facts=[FactView(name=n, type=s.type_name, description=s.description) for n, s in FACTS.items()],
        functions=list(FUNCTION_HELP.values()),
    )


@router.get("")
async def active_rule_set(request: Request, db: DatabaseDep, _: Reader) -> RuleSetView:
    """The active rule set with its version, and the facts and functions conditions may use."""
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        stored = await load_active(tx.conn)  # seeds the defaults on a fresh database
    return _view(stored)


@router.put("")
async def replace_rule_set(request: Request, db: DatabaseDep, staff: Manager, body: RuleSetIn) -> RuleSetView:
    """Replace the whole rule set. It is validated first (syntax, known facts, levels and
    actions, each rule's own examples); a refused set changes nothing. With `base_version`,
    the call is refused (409) when someone else changed the set since that version."""

    def edit(rules: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        return body.rules, describe_change(rules, body.rules)

    return await _change(request, db, staff, edit, note=body.note, base_version=body.base_version)


@router.post("/{rule_id}/enable")
async def enable_rule(
    rule_id: str, request: Request, db: DatabaseDep, staff: Manager, body: NoteIn | None = None
) -> RuleSetView:
    """Switch one rule on (a new version of the set)."""
    return await _switch(rule_id, True, request, db, staff, body)


@router.post("/{rule_id}/disable")
async def disable_rule(
    rule_id: str, request: Request, db: DatabaseDep, staff: Manager, body: NoteIn | None = None
) -> RuleSetView:
    """Switch one rule off (a new version of the set); it stays in the set, validated."""
    return await _switch(rule_id, False, request, db, staff, body)


@router.get("/history")
async def rule_set_history(
    db: DatabaseDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    with_rules: Annotated[bool, Query(description="include each version's rules")] = False,
) -> list[RevisionView]:
    """Every version of the rule set, newest first: who changed what, when, and why."""
    async with db.engine.connect() as conn:
        revisions = await history(conn, limit=limit, with_rules=with_rules)
    return [RevisionView.of(r) for r in revisions]


async def _switch(
    rule_id: str, enabled: bool, request: Request, db: Database, staff: StaffMember, body: NoteIn | None
) -> RuleSetView:
    def edit(rules: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        if not any(r.get("id") == rule_id for r in rules):
            raise NotFound(f"rule {rule_id} is not in the active rule set")
        changed = [{**r, "enabled": enabled} if r.get("id") == rule_id else r for r in rules]
        return changed, f"{'enabled' if enabled else 'disabled'} {rule_id}"

    return await _change(request, db, staff, edit, note=body.text if body else None, base_version=None)


async def _change(
    request: Request,
    db: Database,
    staff: StaffMember,
    edit: Edit,
    *,
    note: str | None,
    base_version: int | None,
) -> RuleSetView:
    try:
        async with db.transaction(correlation_id=request.state.correlation_id) as tx:
            await lock_changes(tx.conn)
            current = await load_active(tx.conn)
            if base_version is not None and base_version != current.version:
                raise Conflict(
                    f"the rule set changed since version {base_version}: it is now version {current.version}",
                    details={"active_version": current.version},
                )
            rules, change = edit(current.rules)
            await store_version(tx.conn, rules, by=staff.name, change=change, note=note)
            stored = await load_active(tx.conn)
    except RuleSetInvalid as exc:
        log.warning("rules.rule_set_refused", by=staff.name, errors=exc.errors)
        raise RuleSetRefused(
            f"rule set refused, the running set stays in force: {exc.errors[0]}"
            + (f" (and {len(exc.errors) - 1} more)" if len(exc.errors) > 1 else ""),
            details={"errors": exc.errors},
        ) from None
    return _view(stored)

"""The rule set over HTTP: read it (with the facts and functions conditions may use), replace
it, switch single rules on or off, and read the history of changes (`rulesets.service`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_runtime.app import DatabaseDep

from rules.api.schemas import FactView, NoteIn, RevisionView, RuleSetIn, RuleSetView
from rules.deps import Manager, Reader
from rules.engine.expressions import FUNCTION_HELP
from rules.engine.facts import FACTS
from rules.rulesets import repository, service
from rules.rulesets.model import ReplaceRuleSet, SwitchRule
from rules.rulesets.repository import StoredRuleSet

router = APIRouter(prefix="/v1/rules", tags=["rules"])


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
async def active_rule_set(db: DatabaseDep, _: Reader) -> RuleSetView:
    """The active rule set with its version, and the facts and functions conditions may use.
    503 before the service has stored the defaults (it does so when it starts)."""
    async with db.read() as conn:
        return _view(await service.active(conn))


@router.put("")
async def replace_rule_set(db: DatabaseDep, staff: Manager, body: RuleSetIn) -> RuleSetView:
    """Replace the whole rule set. It is validated first (syntax, known facts, levels and
    actions, each rule's own examples); a refused set changes nothing (422, every problem
    named). With `base_version`, the call is refused (409) when someone else changed the set
    since that version."""
    command = ReplaceRuleSet(body.rules, staff.name, body.note, body.base_version)
    return _view(await db.run_in_transaction(lambda tx: service.replace(tx, command)))


@router.post("/{rule_id}/enable")
async def enable_rule(rule_id: str, db: DatabaseDep, staff: Manager, body: NoteIn | None = None) -> RuleSetView:
    """Switch one rule on (a new version of the set)."""
    command = SwitchRule(rule_id, True, staff.name, body.text if body else None)
    return _view(await db.run_in_transaction(lambda tx: service.switch(tx, command)))


@router.post("/{rule_id}/disable")
async def disable_rule(rule_id: str, db: DatabaseDep, staff: Manager, body: NoteIn | None = None) -> RuleSetView:
    """Switch one rule off (a new version of the set); it stays in the set, validated."""
    command = SwitchRule(rule_id, False, staff.name, body.text if body else None)
    return _view(await db.run_in_transaction(lambda tx: service.switch(tx, command)))


@router.get("/history")
async def rule_set_history(
    db: DatabaseDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    with_rules: Annotated[bool, Query(description="include each version's rules")] = False,
) -> list[RevisionView]:
    """Every version of the rule set, newest first: who changed what, when, and why."""
    async with db.read() as conn:
        revisions = await repository.history(conn, limit=limit, with_rules=with_rules)
    return [RevisionView.of(r) for r in revisions]

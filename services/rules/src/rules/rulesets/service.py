"""The rule set's use cases: seed the defaults (start-up only), read the active set, change it
(replace, switch one rule on or off), and hand out compiled versions to the checks.

Every change is a new version stored with who made it and when; a set that does not validate
is refused with every problem, each naming its rule, and the running set stays in force.
Changes are serialised by a transaction-scoped advisory lock, so two managers never produce
the same version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.default_rules import DEFAULT_RULE_SET_VERSION, DEFAULT_RULES, SEEDED_BY
from rules.engine.ruleset import CompiledRuleSet, Rule, RuleSetInvalid, compile_rule_set, rule_set_document
from rules.rulesets import repository as repo
from rules.rulesets.model import NoActiveRuleSet, ReplaceRuleSet, RuleSetRefused, SwitchRule
from rules.rulesets.repository import StoredRuleSet

log = get_logger(__name__)
# An edit of the active rules: the new rules and a line for the history saying what changed.
Edit = Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], str]]


async def seed_default(tx: Tx) -> bool:
    """Store the default rule set as the active version 1 if no rule set exists yet (start-up,
    before the consumer runs: the only place that writes it). Returns whether it stored it."""
    if await repo.any_stored(tx.conn):
        return False
    rules = compile_rule_set(DEFAULT_RULE_SET_VERSION, DEFAULT_RULES)  # never store an invalid set
    seeded = await repo.insert_first(tx.conn, DEFAULT_RULE_SET_VERSION, rule_set_document(rules), by=SEEDED_BY)
    if seeded:
        log.info("rules.default_rule_set_seeded", version=DEFAULT_RULE_SET_VERSION, rules=len(rules.rules))
    return seeded


async def active(conn: AsyncConnection) -> StoredRuleSet:
    """The active rule set, as stored. Reads only."""
    stored = await repo.select_active(conn)
    if stored is None:
        raise NoActiveRuleSet("no active rule set yet: the service stores the defaults when it starts")
    return stored


async def replace(tx: Tx, command: ReplaceRuleSet) -> StoredRuleSet:
    def edit(rules: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        return command.rules, describe_change(rules, command.rules)

    return await _change(tx, edit, by=command.by, note=command.note, base_version=command.base_version)


async def switch(tx: Tx, command: SwitchRule) -> StoredRuleSet:
    def edit(rules: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        if not any(r.get("id") == command.rule_id for r in rules):
            raise NotFound(f"rule {command.rule_id} is not in the active rule set")
        changed = [{**r, "enabled": command.enabled} if r.get("id") == command.rule_id else r for r in rules]
        return changed, f"{'enabled' if command.enabled else 'disabled'} {command.rule_id}"

    return await _change(tx, edit, by=command.by, note=command.note, base_version=None)


async def _change(tx: Tx, edit: Edit, *, by: str, note: str | None, base_version: int | None) -> StoredRuleSet:
    await repo.lock_changes(tx.conn)
    current = await active(tx.conn)
    if base_version is not None and base_version != current.version:
        raise Conflict(
            f"the rule set changed since version {base_version}: it is now version {current.version}",
            details={"active_version": current.version},
        )
    rules, change = edit(current.rules)
    version = await repo.next_version(tx.conn)
    try:
        compiled = compile_rule_set(version, rules)
    except RuleSetInvalid as exc:
        log.warning("rules.rule_set_refused", by=by, errors=exc.errors)
        raise RuleSetRefused(
            f"rule set refused, the running set stays in force: {exc.errors[0]}"
            + (f" (and {len(exc.errors) - 1} more)" if len(exc.errors) > 1 else ""),
            details={"errors": exc.errors},
        ) from None
    await repo.insert_active(tx.conn, version, rule_set_document(compiled), by=by, change=change, note=note)
    log.info("rules.rule_set_changed", version=version, by=by, change=change)
    return await active(tx.conn)


def describe_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    """What a replacement changed, by rule ID: added, removed, changed (kept in the history)."""
    old = {str(r.get("id")): _normalised(r) for r in before}
    new = {str(r.get("id")): _normalised(r) for r in after}
    parts = []
    for label, ids in (
        ("added", [i for i in new if i not in old]),
        ("removed", [i for i in old if i not in new]),
        ("changed", [i for i in new if i in old and new[i] != old[i]]),
    ):
        if ids:
            parts.append(f"{label} {', '.join(ids)}")
    return "replaced: " + ("; ".join(parts) if parts else "no rule changed")


def _normalised(raw: dict[str, Any]) -> dict[str, Any]:
    """A rule as it is stored (defaults filled in), so that leaving a default out is no change."""
    try:
        return Rule.model_validate(raw).model_dump(mode="json")
    except ValidationError:
        return raw  # refused by the validator anyway


class RuleBook:
    """Hands out compiled rule sets; compiles a version once and keeps the latest in the process
    (a cache owned by the service's deps, never shared between apps)."""

    def __init__(self) -> None:
        self._compiled: CompiledRuleSet | None = None

    async def active(self, conn: AsyncConnection) -> CompiledRuleSet:
        version = await repo.active_version(conn)
        if version is None:
            raise NoActiveRuleSet("no active rule set: the service stores the defaults when it starts")
        return await self.version(conn, version)

    async def version(self, conn: AsyncConnection, version: int) -> CompiledRuleSet:
        """That version, compiled (it was valid when stored; it is validated again here)."""
        cached = self._compiled
        if cached is not None and cached.version == version:
            return cached
        rules = await repo.select_rules(conn, version)
        if rules is None:
            raise LookupError(f"rule set version {version} does not exist")
        compiled = compile_rule_set(version, rules)
        self._compiled = compiled
        log.info("rules.rule_set_loaded", version=compiled.version, enabled=len(compiled.enabled))
        return compiled

"""The active rule set: stored in `rule_sets`, seeded with the defaults when the table is empty,
compiled once per version and cached in the process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_runtime.logging import get_logger
from pydantic import ValidationError
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.default_rules import DEFAULT_RULE_SET_VERSION, DEFAULT_RULES, SEEDED_BY
from rules.engine.ruleset import CompiledRuleSet, Rule, compile_rule_set, rule_set_document
from rules.tables import rule_sets

log = get_logger(__name__)


@dataclass(frozen=True)
class StoredRuleSet:
    version: int
    rules: list[dict[str, Any]]
    created_by: str
    created_at: datetime


async def seed_default(conn: AsyncConnection) -> bool:
    """Store the default rule set as the active version 1 if no rule set exists yet. Safe to run
    concurrently: the primary key settles the race. Returns whether this call stored it."""
    if (await conn.execute(select(rule_sets.c.version).limit(1))).first() is not None:
        return False
    rules = compile_rule_set(DEFAULT_RULE_SET_VERSION, DEFAULT_RULES)  # never store an invalid set
    result = await conn.execute(
        pg_insert(rule_sets)
        .values(
            version=DEFAULT_RULE_SET_VERSION,
            rules=rule_set_document(rules),
            created_by=SEEDED_BY,
            active=True,
            change="seeded the default rule set",
        )
        .on_conflict_do_nothing()
        .returning(rule_sets.c.version)
    )
    seeded = result.first() is not None
    if seeded:
        log.info("rules.default_rule_set_seeded", version=DEFAULT_RULE_SET_VERSION, rules=len(rules.rules))
    return seeded


async def load_active(conn: AsyncConnection) -> StoredRuleSet:
    """The active rule set, seeding the defaults first on an empty table."""
    stored = await _select_active(conn)
    if stored is None:
        await seed_default(conn)
        stored = await _select_active(conn)
    if stored is None:
        raise RuntimeError("no active rule set, and rule sets exist: activate one")
    return stored


async def _select_active(conn: AsyncConnection) -> StoredRuleSet | None:
    t = rule_sets
    query = select(t.c.version, t.c.rules, t.c.created_by, t.c.created_at).where(t.c.active)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return StoredRuleSet(version=row.version, rules=row.rules, created_by=row.created_by, created_at=row.created_at)


@dataclass(frozen=True)
class Revision:
    version: int
    created_by: str
    created_at: datetime
    active: bool
    change: str
    note: str | None
    rules: list[dict[str, Any]]


async def lock_changes(conn: AsyncConnection) -> None:
    """Serialise rule-set changes until the end of the transaction (taking it again is harmless)."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('rules.rule_sets'))"))


async def store_version(
    conn: AsyncConnection, rules: list[dict[str, Any]], *, by: str, change: str, note: str | None
) -> CompiledRuleSet:
    """Validate `rules` and make them the active set as a new version. Raises RuleSetInvalid
    (nothing stored, the running set stays) when any rule is wrong. Changes are serialised by a
    transaction-scoped advisory lock, so two managers never produce the same version."""
    await lock_changes(conn)
    await load_active(conn)  # make sure version 1 exists before numbering the next
    version = int((await conn.execute(select(func.max(rule_sets.c.version)))).scalar_one()) + 1
    compiled = compile_rule_set(version, rules)
    await conn.execute(update(rule_sets).where(rule_sets.c.active).values(active=False))
    await conn.execute(
        rule_sets.insert().values(
            version=version, rules=rule_set_document(compiled), created_by=by, active=True, change=change, note=note
        )
    )
    log.info("rules.rule_set_changed", version=version, by=by, change=change)
    return compiled


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


async def history(conn: AsyncConnection, *, limit: int, with_rules: bool) -> list[Revision]:
    """Every version, newest first: who changed what, when and why."""
    t = rule_sets
    columns = [t.c.version, t.c.created_by, t.c.created_at, t.c.active, t.c.change, t.c.note]
    query = select(*columns, t.c.rules if with_rules else text("NULL AS rules")).order_by(t.c.version.desc())
    rows = await conn.execute(query.limit(limit))
    return [
        Revision(
            version=r.version,
            created_by=r.created_by,
            created_at=r.created_at,
            active=r.active,
            change=r.change or "",
            note=r.note,
            rules=r.rules or [],
        )
        for r in rows
    ]


class RuleBook:
    """Hands out compiled rule sets; compiles a version once and keeps the latest in the process."""

    def __init__(self) -> None:
        self._compiled: CompiledRuleSet | None = None
        self._seeded = False

    async def active(self, conn: AsyncConnection) -> CompiledRuleSet:
        version = (await conn.execute(select(rule_sets.c.version).where(rule_sets.c.active))).scalar()
        if version is None:
            return await self.version(conn, (await load_active(conn)).version)
        return await self.version(conn, int(version))

    async def version(self, conn: AsyncConnection, version: int) -> CompiledRuleSet:
        """That version, compiled (it was valid when stored; it is validated again here)."""
        cached = self._compiled
        if cached is not None and cached.version == version:
            return cached
        row = (await conn.execute(select(rule_sets.c.rules).where(rule_sets.c.version == version))).first()
        if row is None:
            raise LookupError(f"rule set version {version} does not exist")
        compiled = compile_rule_set(version, row.rules)
        self._compiled = compiled
        log.info("rules.rule_set_loaded", version=compiled.version, enabled=len(compiled.enabled))
        return compiled

    async def ensure_seeded(self, conn: AsyncConnection) -> None:
        """Make sure some rule set is active (the defaults on a fresh database), once per process."""
        if not self._seeded:
            await load_active(conn)
            self._seeded = True

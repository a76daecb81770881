"""The `rule_sets` table: every version of the rule set, one of them active. Statements only:
the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.tables import rule_sets


@dataclass(frozen=True)
class StoredRuleSet:
    version: int
    rules: list[dict[str, Any]]
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Revision:
    version: int
    created_by: str
    created_at: datetime
    active: bool
    change: str
    note: str | None
    rules: list[dict[str, Any]]


async def any_stored(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(rule_sets.c.version).limit(1))).first() is not None


async def insert_first(conn: AsyncConnection, version: int, document: list[dict[str, Any]], *, by: str) -> bool:
    """Store `document` as the active `version` unless that version exists (concurrent start-ups:
    the primary key settles the race). Returns whether this call stored it."""
    result = await conn.execute(
        pg_insert(rule_sets)
        .values(version=version, rules=document, created_by=by, active=True, change="seeded the default rule set")
        .on_conflict_do_nothing()
        .returning(rule_sets.c.version)
    )
    return result.first() is not None


async def select_active(conn: AsyncConnection) -> StoredRuleSet | None:
    t = rule_sets
    query = select(t.c.version, t.c.rules, t.c.created_by, t.c.created_at).where(t.c.active)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return StoredRuleSet(version=row.version, rules=row.rules, created_by=row.created_by, created_at=row.created_at)


async def active_version(conn: AsyncConnection) -> int | None:
    version = (await conn.execute(select(rule_sets.c.version).where(rule_sets.c.active))).scalar()
    return None if version is None else int(version)


async def select_rules(conn: AsyncConnection, version: int) -> list[dict[str, Any]] | None:
    row = (await conn.execute(select(rule_sets.c.rules).where(rule_sets.c.version == version))).first()
    return None if row is None else list(row.rules)


async def lock_changes(conn: AsyncConnection) -> None:
    """Serialise rule-set changes until the end of the transaction (taking it again is harmless)."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('rules.rule_sets'))"))


async def next_version(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.coalesce(func.max(rule_sets.c.version), 0)))).scalar_one()) + 1


async def insert_active(
    conn: AsyncConnection, version: int, document: list[dict[str, Any]], *, by: str, change: str, note: str | None
) -> None:
    """Make `version` the only active one."""
    await conn.execute(update(rule_sets).where(rule_sets.c.active).values(active=False))
    await conn.execute(
        rule_sets.insert().values(version=version, rules=document, created_by=by, active=True, change=change, note=note)
    )


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

"""Inbox deduplication: an event ID is claimed in the same transaction as its effects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class InboxEntry:
    event_id: str
    topic: str
    event_type: str


async def claim(conn: AsyncConnection, table: Table, entries: Sequence[InboxEntry]) -> set[str]:
    """Record the entries; returns the IDs that were new (everything else is a duplicate)."""
    if not entries:
        return set()
    stmt = (
        pg_insert(table)
        .values([{"event_id": e.event_id, "topic": e.topic, "event_type": e.event_type} for e in entries])
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.event_id)
    )
    result = await conn.execute(stmt)
    return {row[0] for row in result}

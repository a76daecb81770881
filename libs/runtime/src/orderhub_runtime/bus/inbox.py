"""Inbox deduplication: an event ID is claimed in the same transaction as its effects."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class InboxEntry:
    event_id: str
    topic: str
    event_type: str


@functools.cache
def _claim_statement(schema: str | None, name: str) -> TextClause:
    """One fixed statement over arrays, whatever the batch size: compiled and planned once."""
    return text(
        f"INSERT INTO {schema}.{name} (event_id, topic, event_type) "
        "SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:topics AS text[]), CAST(:types AS text[])) "
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
    )


async def claim(conn: AsyncConnection, table: Table, entries: Sequence[InboxEntry]) -> set[str]:
    """Record the entries; returns the IDs that were new (everything else is a duplicate).
    An ID twice in `entries` is new once."""
    if not entries:
        return set()
    unique = list({e.event_id: e for e in entries}.values())
    params = {
        "ids": [e.event_id for e in unique],
        "topics": [e.topic for e in unique],
        "types": [e.event_type for e in unique],
    }
    result = await conn.execute(_claim_statement(table.schema, table.name), params)
    return {row[0] for row in result}

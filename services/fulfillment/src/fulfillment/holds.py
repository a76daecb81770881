"""Holds (order.held from rules): at most one active hold per order, released ones kept. A hold
is recorded, or the active one widened with more rules (a second rule can fire later), by
outbound/hold_run.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import holds


@dataclass(frozen=True)
class Hold:
    order_id: str
    rule_ids: tuple[str, ...]
    held_at: datetime


async def active_hold(conn: AsyncConnection, order_id: str) -> Hold | None:
    query = select(holds.c.order_id, holds.c.rule_ids, holds.c.held_at).where(
        holds.c.order_id == order_id, holds.c.released_at.is_(None)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else Hold(order_id=row.order_id, rule_ids=tuple(row.rule_ids), held_at=row.held_at)


_RELEASE_MANY = text(
    """
UPDATE fulfillment.holds h SET released_at = r.released_at
FROM unnest(CAST(:order_ids AS text[]), CAST(:released_ats AS timestamptz[])) AS r(order_id, released_at)
WHERE h.order_id = r.order_id AND h.released_at IS NULL
"""
)


async def release_holds(conn: AsyncConnection, released_at: Mapping[str, datetime]) -> None:
    """Release several orders' active holds in one statement (order ID -> release time)."""
    if released_at:
        params = {"order_ids": list(released_at), "released_ats": list(released_at.values())}
        await conn.execute(_RELEASE_MANY, params)

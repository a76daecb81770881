"""Holds (order.held from rules): at most one active hold per order, released ones kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import holds


@dataclass(frozen=True)
class Hold:
    order_id: str
    rule_ids: tuple[str, ...]
    held_at: datetime


async def record_hold(
    conn: AsyncConnection, order_id: str, rule_ids: Sequence[str], reasons: Sequence[str], held_at: datetime
) -> None:
    """Open a hold, or widen the active one with more rules (a second rule can fire later)."""
    stmt = pg_insert(holds).values(order_id=order_id, rule_ids=list(rule_ids), reasons=list(reasons), held_at=held_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[holds.c.order_id],
        index_where=text("released_at IS NULL"),
        set_={
            "rule_ids": text("ARRAY(SELECT DISTINCT unnest(holds.rule_ids || excluded.rule_ids) ORDER BY 1)"),
            "reasons": text("ARRAY(SELECT DISTINCT unnest(holds.reasons || excluded.reasons) ORDER BY 1)"),
            "held_at": func.greatest(holds.c.held_at, stmt.excluded.held_at),
        },
    )
    await conn.execute(stmt)


async def active_hold(conn: AsyncConnection, order_id: str) -> Hold | None:
    query = select(holds.c.order_id, holds.c.rule_ids, holds.c.held_at).where(
        holds.c.order_id == order_id, holds.c.released_at.is_(None)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else Hold(order_id=row.order_id, rule_ids=tuple(row.rule_ids), held_at=row.held_at)


async def release_hold(conn: AsyncConnection, order_id: str, released_at: datetime) -> None:
    await conn.execute(
        update(holds).where(holds.c.order_id == order_id, holds.c.released_at.is_(None)).values(released_at=released_at)
    )

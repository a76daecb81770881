"""SQL of the completion timers: one row per order, fired once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import completions

c = completions.c


async def arm(conn: AsyncConnection, order_id: str, delivered_at: datetime, due_at: datetime) -> None:
    """Set (or move later, for a second parcel) the order's completion time."""
    stmt = pg_insert(completions).values(order_id=order_id, delivered_at=delivered_at, due_at=due_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.order_id],
        set_={
            "delivered_at": func.greatest(c.delivered_at, stmt.excluded.delivered_at),
            "due_at": func.greatest(c.due_at, stmt.excluded.due_at),
        },
        where=c.completed_at.is_(None),
    )
    await conn.execute(stmt)


async def change_open_cases(conn: AsyncConnection, order_id: str, delta: int) -> None:
    stmt = pg_insert(completions).values(order_id=order_id, open_cases=max(delta, 0))
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.order_id], set_={"open_cases": func.greatest(c.open_cases + delta, 0)}
    )
    await conn.execute(stmt)


async def claim_due(conn: AsyncConnection, now: datetime, limit: int) -> list[Any]:
    """Due timers with no case open, marked completed now (in the caller's transaction)."""
    due = (
        select(c.order_id)
        .where(c.completed_at.is_(None), c.due_at <= now, c.open_cases == 0)
        .order_by(c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = update(completions).where(c.order_id.in_(due)).values(completed_at=now).returning(completions)
    return list(await conn.execute(stmt))


async def completion_of(conn: AsyncConnection, order_id: str) -> Any:
    return (await conn.execute(select(completions).where(c.order_id == order_id))).first()

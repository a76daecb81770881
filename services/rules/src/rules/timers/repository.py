"""Durable timers in Postgres (R04 unpaid, R16 ship deadline, R17 stalled logistics).

One row per order and kind. A due timer is claimed with FOR UPDATE SKIP LOCKED, so several
instances share the work and none fires a timer twice; it is marked fired in the same
transaction as its effects and their outbox rows, so a crash before commit leaves it due and
a restart fires it then, exactly once. Statements only: the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.tables import timers
from rules.timers.model import DueTimer, TimerKind


async def schedule(
    conn: AsyncConnection, order_id: str, kind: TimerKind, *, due_at: datetime, reference_at: datetime, rearm: bool
) -> None:
    """Create the timer; an existing one is moved (and, with `rearm`, made pending again if it
    fired) unless it was cancelled. Without `rearm` a fired timer stays fired: fire once."""
    stmt = pg_insert(timers).values(order_id=order_id, kind=kind.value, due_at=due_at, reference_at=reference_at)
    values: dict[str, Any] = {"due_at": stmt.excluded.due_at, "reference_at": stmt.excluded.reference_at}
    if rearm:
        values |= {"status": "pending", "fired_at": None}
        where = timers.c.status != "cancelled"
    else:
        where = timers.c.status == "pending"
    await conn.execute(stmt.on_conflict_do_update(index_elements=["order_id", "kind"], set_=values, where=where))


async def cancel(conn: AsyncConnection, order_id: str, *kinds: TimerKind) -> None:
    """Cancel pending timers of the order (all kinds when none is named)."""
    stmt = update(timers).where(timers.c.order_id == order_id, timers.c.status == "pending")
    if kinds:
        stmt = stmt.where(timers.c.kind.in_([k.value for k in kinds]))
    await conn.execute(stmt.values(status="cancelled"))


async def claim_due(conn: AsyncConnection, now: datetime, limit: int) -> list[DueTimer]:
    """Due pending timers, locked for this transaction; others skip them."""
    query = (
        select(timers.c.order_id, timers.c.kind, timers.c.due_at, timers.c.reference_at)
        .where(timers.c.status == "pending", timers.c.due_at <= now)
        .order_by(timers.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await conn.execute(query)
    return [DueTimer(r.order_id, TimerKind(r.kind), r.due_at, r.reference_at) for r in rows]


async def mark_fired(conn: AsyncConnection, timer: DueTimer) -> None:
    await conn.execute(
        update(timers)
        .where(timers.c.order_id == timer.order_id, timers.c.kind == timer.kind.value)
        .values(status="fired", fired_at=func.now())
    )

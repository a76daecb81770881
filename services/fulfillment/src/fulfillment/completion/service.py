"""Completion use cases: armed at delivery, held while an after-sales case is open, fired once."""

from __future__ import annotations

from datetime import datetime, timedelta

from orderhub_contracts.events import OrderCompleted
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.completion import repository as repo

log = get_logger(__name__)
BATCH = 100


async def arm(conn: AsyncConnection, order_id: str, *, delivered_at: datetime, complete_after: timedelta) -> None:
    await repo.arm(conn, order_id, delivered_at, delivered_at + complete_after)


async def case_opened(tx: Tx, order_id: str) -> None:
    await repo.change_open_cases(tx.conn, order_id, +1)


async def case_closed(tx: Tx, order_id: str) -> None:
    """With the last case closed, a timer already due fires on the next round."""
    await repo.change_open_cases(tx.conn, order_id, -1)


async def complete_due(tx: Tx, now: datetime) -> int:
    """Complete every order whose time came and that has no case open; returns how many."""
    rows = await repo.claim_due(tx.conn, now, BATCH)
    for row in rows:
        await tx.publish(OrderCompleted(order_id=row.order_id, delivered_at=row.delivered_at, completed_at=now))
        log.info("order.completed", order_id=row.order_id, delivered_at=row.delivered_at.isoformat())
    return len(rows)

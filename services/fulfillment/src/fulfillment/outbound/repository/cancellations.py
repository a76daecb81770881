"""Cancelled orders (order.cancelled from ingest), remembered so a clearance arriving later on
the other topic does not allocate them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import cancelled_orders


async def record_cancellation(conn: AsyncConnection, order_id: str, reason: str, cancelled_at: datetime) -> None:
    stmt = pg_insert(cancelled_orders).values(order_id=order_id, reason=reason, cancelled_at=cancelled_at)
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=[cancelled_orders.c.order_id]))


async def is_cancelled(conn: AsyncConnection, order_id: str) -> bool:
    query = select(cancelled_orders.c.order_id).where(cancelled_orders.c.order_id == order_id)
    return (await conn.execute(query)).first() is not None

"""Every statement of the order-change area: printed labels, the unpaid mini-program orders due to
close, and the next free reorder number of a channel order."""

from __future__ import annotations

from datetime import datetime

from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import mp_orders, order_keys, order_timeline, orders


async def label_printed(conn: AsyncConnection, order_id: str) -> bool:
    """A parcel of the order went to `picking` (fulfillment's outbound.status_changed, projected
    as the order's `label_printed_at`): its label is on paper."""
    query = select(orders.c.label_printed_at).where(orders.c.order_id == order_id)
    return (await conn.scalar(query)) is not None


async def unpaid_due(conn: AsyncConnection, created_before: datetime, *, limit: int) -> list[str]:
    """Mini-program orders still unpaid and open that were placed before `created_before`."""
    query = (
        select(mp_orders.c.order_id)
        .join(orders, orders.c.order_id == mp_orders.c.order_id)
        .where(
            mp_orders.c.paid_at.is_(None),
            mp_orders.c.created_at < created_before,
            orders.c.status == OrderStatus.CREATED.value,
        )
        .order_by(mp_orders.c.created_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars().all())


async def lock_unpaid(conn: AsyncConnection, order_id: str) -> bool:
    """Lock the mini-program order's payment row (the lock a payment takes first); True when it
    is still unpaid."""
    query = select(mp_orders.c.paid_at).where(mp_orders.c.order_id == order_id).with_for_update()
    row = (await conn.execute(query)).first()
    return row is not None and row.paid_at is None


async def reorder_count(conn: AsyncConnection, channel: str, channel_order_no: str) -> int:
    """How many times this channel order was placed again (`<no>-R1`, `<no>-R2` ...)."""
    query = select(func.count()).where(
        order_keys.c.channel == channel, order_keys.c.channel_order_no.like(f"{channel_order_no}-R%")
    )
    return int(await conn.scalar(query) or 0)


async def shipped_carrier(conn: AsyncConnection, order_id: str) -> str | None:
    """The carrier the order's last parcel left with (shipment.dispatched on the timeline)."""
    query = (
        select(order_timeline.c.data["carrier"].astext)
        .where(order_timeline.c.order_id == order_id, order_timeline.c.event_type == "shipment.dispatched")
        .order_by(order_timeline.c.id.desc())
        .limit(1)
    )
    carrier: str | None = await conn.scalar(query)
    return carrier

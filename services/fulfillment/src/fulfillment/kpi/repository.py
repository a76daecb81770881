"""SQL of the KPI: the orders shipped or delivered in a period (their first parcel)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.kpi.model import Sampled
from fulfillment.tables import shipments

s = shipments.c


async def shipped_or_delivered(conn: AsyncConnection, start: datetime, end: datetime) -> list[Sampled]:
    """One row per order with a parcel dispatched or delivered in [start, end), by order ID."""
    rows = await conn.execute(
        select(s.order_id, s.waybill_no, s.carrier, s.phone_tail)
        .where(
            or_(
                (s.dispatched_at >= start) & (s.dispatched_at < end),
                (s.delivered_at >= start) & (s.delivered_at < end),
            )
        )
        .order_by(s.order_id, s.dispatched_at)
    )
    first: dict[str, Sampled] = {}
    for r in rows:  # ordered by order, then dispatch: the order's first parcel comes first
        first.setdefault(r.order_id, Sampled(r.order_id, r.waybill_no, r.carrier, r.phone_tail))
    return list(first.values())

"""Queries on an order's timeline and on the status changes the projection refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy import RowMapping, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import order_timeline, transition_rejections
from ingest.timeline import TimelineEntry
from ingest.tracking import TRACKING_EVENT_TYPES


@dataclass(frozen=True, slots=True)
class TimelineRecord:
    order_id: str
    event_id: str
    event_type: str
    occurred_at: datetime
    entry: TimelineEntry
    outcome: str
    status_from: OrderStatus | None = None
    status_path: tuple[OrderStatus, ...] = ()


async def add_timeline(conn: AsyncConnection, record: TimelineRecord) -> bool:
    """Add the entry; False when this event is already on the timeline (idempotent on event ID)."""
    stmt = (
        pg_insert(order_timeline)
        .values(
            order_id=record.order_id,
            event_id=record.event_id,
            event_type=record.event_type,
            occurred_at=record.occurred_at,
            summary=record.entry.summary,
            data=record.entry.data,
            outcome=record.outcome,
            status_from=record.status_from.value if record.status_from else None,
            status_path=[s.value for s in record.status_path],
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(order_timeline.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def list_timeline(conn: AsyncConnection, order_id: str) -> Sequence[RowMapping]:
    query = (
        select(order_timeline)
        .where(order_timeline.c.order_id == order_id)
        .order_by(order_timeline.c.occurred_at, order_timeline.c.id)
    )
    return (await conn.execute(query)).mappings().all()


async def record_rejection(
    conn: AsyncConnection,
    *,
    order_id: str,
    event_id: str,
    event_type: str,
    from_status: OrderStatus,
    to_status: OrderStatus,
) -> None:
    await conn.execute(
        pg_insert(transition_rejections)
        .values(
            order_id=order_id,
            event_id=event_id,
            event_type=event_type,
            from_status=from_status.value,
            to_status=to_status.value,
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
    )


async def list_rejections(conn: AsyncConnection, order_id: str) -> Sequence[RowMapping]:
    query = (
        select(transition_rejections)
        .where(transition_rejections.c.order_id == order_id)
        .order_by(transition_rejections.c.id)
    )
    return (await conn.execute(query)).mappings().all()


async def tracking_entries(conn: AsyncConnection, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(event type, data) of the order's tracking events (shipment.tracking_updated, .delivered, .exception)."""
    t = order_timeline.c
    rows = await conn.execute(
        select(t.event_type, t.data).where(t.order_id == order_id, t.event_type.in_(TRACKING_EVENT_TYPES))
    )
    return [(r.event_type, r.data) for r in rows]

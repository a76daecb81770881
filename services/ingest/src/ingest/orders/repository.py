"""Every statement on the order record: the ID claims, the order row and its lines, its status,
its timeline and the status changes refused. Writing a newly accepted order is one statement (order
row, lines and first timeline entry) whose rows are handed back as written, so the caller can show
the order without reading it again. Runs on the caller's connection and never commits."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import last4
from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy import RowMapping, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import order_keys, order_timeline, orders, transition_rejections
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


async def find_order_id(conn: AsyncConnection, channel: str, channel_order_no: str) -> str | None:
    query = select(order_keys.c.order_id).where(
        order_keys.c.channel == channel, order_keys.c.channel_order_no == channel_order_no
    )
    value: str | None = await conn.scalar(query)
    return value


async def claim_order_id(conn: AsyncConnection, channel: str, channel_order_no: str, order_id: str) -> bool:
    """Claim `order_id` for the channel order. False when either the channel order already has an
    ID or another channel order holds this one. A concurrent uncommitted claim makes this wait for
    that transaction, so the caller's next read sees its outcome."""
    stmt = (
        pg_insert(order_keys)
        .values(channel=channel, channel_order_no=channel_order_no, order_id=order_id)
        .on_conflict_do_nothing()
        .returning(order_keys.c.order_id)
    )
    return (await conn.execute(stmt)).first() is not None


async def find_keyed_order(conn: AsyncConnection, channel: str, channel_order_no: str) -> RowMapping | None:
    """The order row of the channel order, read with its ID claim: None when the channel order has
    no ID; `order_id` is None (and `key_order_id` names the ID) if the claim has no order row."""
    query = (
        select(orders, order_keys.c.order_id.label("key_order_id"))
        .select_from(order_keys.outerjoin(orders, orders.c.order_id == order_keys.c.order_id))
        .where(order_keys.c.channel == channel, order_keys.c.channel_order_no == channel_order_no)
    )
    return (await conn.execute(query)).mappings().first()


async def get_order_row(conn: AsyncConnection, order_id: str) -> RowMapping | None:
    return (await conn.execute(select(orders).where(orders.c.order_id == order_id))).mappings().first()


async def get_receiver_phone(conn: AsyncConnection, order_id: str) -> str | None:
    """The receiver's full phone number as it stands now; None when there is no such order."""
    row = (await conn.execute(select(orders.c.receiver_phone).where(orders.c.order_id == order_id))).first()
    return None if row is None else str(row.receiver_phone or "")


async def lock_status(conn: AsyncConnection, order_id: str) -> tuple[OrderStatus, datetime] | None:
    """The order's status and since when, locked until the transaction ends (one writer at a time)."""
    query = select(orders.c.status, orders.c.status_since).where(orders.c.order_id == order_id).with_for_update()
    row = (await conn.execute(query)).first()
    return None if row is None else (OrderStatus(row.status), row.status_since)


async def set_status(conn: AsyncConnection, order_id: str, status: OrderStatus, *, since: datetime) -> None:
    await conn.execute(
        update(orders)
        .where(orders.c.order_id == order_id)
        .values(status=status.value, status_since=since, updated_at=func.now())
    )


async def update_order(conn: AsyncConnection, order_id: str, values: Mapping[str, object]) -> None:
    """Set some of the order row's columns (a change from the platform or the staff)."""
    await conn.execute(update(orders).where(orders.c.order_id == order_id).values(**values, updated_at=func.now()))


# The order row's columns besides its JSON snapshot (also what the search benchmark loads).
ORDER_COLUMNS = (
    "order_id",
    "channel",
    "channel_order_no",
    "shop_id",
    "status",
    "status_since",
    "created_at",
    "paid_at",
    "currency",
    "receiver_name",
    "receiver_phone",
    "receiver_phone_last4",
    "receiver_province",
    "receiver_city",
    "receiver_district",
    "receiver_street",
    "receiver_detail",
    "buyer_remark",
    "seller_memo",
    "list_total_fen",
    "paid_total_fen",
    "discount_fen",
)

# The lines and the timeline row reference the order row inserted by the same statement; foreign
# keys are checked at its end, when that row exists.
_INSERT = text(
    f"""
WITH o AS (
    INSERT INTO ingest.orders ({", ".join(ORDER_COLUMNS)}, snapshot)
    VALUES ({", ".join(":" + c for c in ORDER_COLUMNS)}, CAST(:snapshot AS jsonb))
    RETURNING order_id, placed_at, updated_at
), lines AS (
    INSERT INTO ingest.order_items
        (order_id, line_no, sku, title, quantity, unit_price_fen, paid_fen, presale, presale_ship_date)
    SELECT o.order_id, i.line_no, i.sku, i.title, i.quantity, i.unit_price_fen, i.paid_fen, i.presale,
           i.presale_ship_date
    FROM o CROSS JOIN unnest(
        CAST(:i_line_nos AS integer[]), CAST(:i_skus AS text[]), CAST(:i_titles AS text[]),
        CAST(:i_quantities AS integer[]), CAST(:i_unit_prices AS bigint[]), CAST(:i_paid AS bigint[]),
        CAST(:i_presale AS boolean[]), CAST(:i_ship_dates AS timestamptz[])
    ) AS i(line_no, sku, title, quantity, unit_price_fen, paid_fen, presale, presale_ship_date)
), timeline AS (
    INSERT INTO ingest.order_timeline
        (order_id, event_id, event_type, occurred_at, summary, data, outcome, status_from, status_path)
    SELECT o.order_id, CAST(:t_event_id AS text), CAST(:t_event_type AS text), CAST(:t_occurred_at AS timestamptz),
           CAST(:t_summary AS text), CAST(:t_data AS jsonb), CAST(:t_outcome AS text), NULL,
           CAST(:t_status_path AS jsonb)
    FROM o
    RETURNING id
)
SELECT o.placed_at, o.updated_at, timeline.id AS timeline_id FROM o CROSS JOIN timeline
"""
)


@dataclass(frozen=True, slots=True)
class PlacedRows:
    """The order row and its timeline row as stored, in the shape the order view reads them."""

    order: CanonicalOrder
    row: dict[str, Any]
    timeline: dict[str, Any]


async def insert_placed(
    conn: AsyncConnection, order: CanonicalOrder, *, status_since: datetime, placed: TimelineRecord
) -> PlacedRows:
    """Insert the order (status created), its lines and the timeline entry `placed`. One round trip."""
    receiver = order.receiver
    row: dict[str, Any] = {
        "order_id": order.order_id,
        "channel": order.channel.value,
        "channel_order_no": order.channel_order_no,
        "shop_id": order.shop_id,
        "status": OrderStatus.CREATED.value,
        "status_since": status_since,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "currency": order.currency,
        "receiver_name": receiver.name,
        "receiver_phone": receiver.phone,
        "receiver_phone_last4": last4(receiver.phone),
        "receiver_province": receiver.province,
        "receiver_city": receiver.city,
        "receiver_district": receiver.district,
        "receiver_street": receiver.street,
        "receiver_detail": receiver.detail,
        "buyer_remark": order.buyer_remark,
        "seller_memo": order.seller_memo,
        "list_total_fen": order.list_total_fen,
        "paid_total_fen": order.paid_total_fen,
        "discount_fen": order.discount_fen,
    }
    items = order.items
    status_path = [s.value for s in placed.status_path]
    params = {
        **row,
        "snapshot": order.model_dump_json(),
        "i_line_nos": list(range(1, len(items) + 1)),
        "i_skus": [i.sku for i in items],
        "i_titles": [i.title for i in items],
        "i_quantities": [i.quantity for i in items],
        "i_unit_prices": [i.unit_price_fen for i in items],
        "i_paid": [i.paid_fen for i in items],
        "i_presale": [i.presale for i in items],
        "i_ship_dates": [i.presale_ship_date for i in items],
        "t_event_id": placed.event_id,
        "t_event_type": placed.event_type,
        "t_occurred_at": placed.occurred_at,
        "t_summary": placed.entry.summary,
        "t_data": json.dumps(placed.entry.data, ensure_ascii=False),
        "t_outcome": str(placed.outcome),
        "t_status_path": json.dumps(status_path),
    }
    written = (await conn.execute(_INSERT, params)).one()
    row.update(placed_at=written.placed_at, updated_at=written.updated_at)
    timeline = {
        "id": written.timeline_id,
        "order_id": order.order_id,
        "event_id": placed.event_id,
        "event_type": placed.event_type,
        "occurred_at": placed.occurred_at,
        "summary": placed.entry.summary,
        "data": jsonb_ordered(placed.entry.data),
        "outcome": str(placed.outcome),
        "status_from": None,
        "status_path": status_path,
    }
    return PlacedRows(order, row, timeline)


def jsonb_ordered(value: Any) -> Any:
    """`value` with object keys in the order jsonb keeps them (shorter first, then bytewise), so an
    object built here reads exactly like one read back from the database."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: (len(kv[0].encode()), kv[0].encode()))
        return {k: jsonb_ordered(v) for k, v in items}
    if isinstance(value, list):
        return [jsonb_ordered(v) for v in value]
    return value


async def tracking_entries(conn: AsyncConnection, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(event type, data) of the order's tracking events (shipment.tracking_updated, .delivered, .exception)."""
    t = order_timeline.c
    rows = await conn.execute(
        select(t.event_type, t.data).where(t.order_id == order_id, t.event_type.in_(TRACKING_EVENT_TYPES))
    )
    return [(r.event_type, r.data) for r in rows]

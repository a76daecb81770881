"""Every SQL statement of the order references: set-based writes over arrays (a run of events from
one consumer batch is one statement) and the read of one reference."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import RowMapping, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.order_refs.model import (
    OrderRef,
    RecordCategory,
    RecordPayment,
    RecordPlacement,
    RecordProgress,
    RecordShipment,
)
from aftersales.tables import order_refs, product_categories

# A shipment that came first waits in early_shipments: the placement takes its waybill along.
_RECORD_PLACED = text(
    """
WITH early AS (
    DELETE FROM aftersales.early_shipments e WHERE e.order_id = ANY(CAST(:order_ids AS text[]))
    RETURNING e.order_id, e.waybill_no, e.carrier
)
INSERT INTO aftersales.order_refs
    (order_id, channel, receiver_name, receiver_phone, items, placed_at, waybill_no, carrier,
     channel_order_no, buyer_id, receiver, currency, discount_fen, paid_fen)
SELECT o.order_id, o.channel, o.receiver_name, o.receiver_phone, CAST(o.items AS jsonb), o.placed_at,
       early.waybill_no, early.carrier, o.channel_order_no, o.buyer_id, CAST(o.receiver AS jsonb), o.currency,
       o.discount_fen, o.paid_fen
FROM unnest(
    CAST(:order_ids AS text[]), CAST(:channels AS text[]), CAST(:names AS text[]), CAST(:phones AS text[]),
    CAST(:items AS text[]), CAST(:placed_ats AS timestamptz[]), CAST(:channel_order_nos AS text[]),
    CAST(:buyer_ids AS text[]), CAST(:receivers AS text[]), CAST(:currencies AS text[]),
    CAST(:discounts AS bigint[]), CAST(:paids AS bigint[])
) AS o(order_id, channel, receiver_name, receiver_phone, items, placed_at, channel_order_no, buyer_id, receiver,
       currency, discount_fen, paid_fen)
LEFT JOIN early ON early.order_id = o.order_id
ON CONFLICT (order_id) DO NOTHING
"""
)

# The last shipment of an order in the run wins, as it would one by one; one for an order not
# placed yet is kept in early_shipments.
_RECORD_SHIPPED = text(
    """
WITH s AS (
    SELECT DISTINCT ON (order_id) order_id, waybill_no, carrier
    FROM unnest(CAST(:order_ids AS text[]), CAST(:waybills AS text[]), CAST(:carriers AS text[]))
         WITH ORDINALITY AS s(order_id, waybill_no, carrier, n)
    ORDER BY order_id, n DESC
), updated AS (
    UPDATE aftersales.order_refs r SET waybill_no = s.waybill_no, carrier = s.carrier, updated_at = now()
    FROM s WHERE r.order_id = s.order_id
    RETURNING r.order_id
)
INSERT INTO aftersales.early_shipments (order_id, waybill_no, carrier)
SELECT s.order_id, s.waybill_no, s.carrier FROM s WHERE s.order_id NOT IN (SELECT order_id FROM updated)
ON CONFLICT (order_id) DO UPDATE SET waybill_no = excluded.waybill_no, carrier = excluded.carrier, received_at = now()
RETURNING order_id
"""
)


async def record_placements(conn: AsyncConnection, placements: Sequence[RecordPlacement]) -> None:
    orders = [p.order for p in placements]
    params = {
        "order_ids": [o.order_id for o in orders],
        "channels": [o.channel.value for o in orders],
        "names": [o.receiver.name for o in orders],
        "phones": [o.receiver.phone for o in orders],
        "items": [json.dumps([i.model_dump(mode="json") for i in o.items], ensure_ascii=False) for o in orders],
        "placed_ats": [o.created_at for o in orders],
        "channel_order_nos": [o.channel_order_no for o in orders],
        "buyer_ids": [o.buyer_id for o in orders],
        "receivers": [o.receiver.model_dump_json() for o in orders],
        "currencies": [o.currency for o in orders],
        "discounts": [o.discount_fen for o in orders],
        "paids": [o.paid_total_fen if o.is_paid else 0 for o in orders],
    }
    await conn.execute(_RECORD_PLACED, params)


async def record_shipments(conn: AsyncConnection, shipments: Sequence[RecordShipment]) -> list[str]:
    """Answers the orders whose shipment came before their placement (kept in early_shipments)."""
    params = {
        "order_ids": [s.order_id for s in shipments],
        "waybills": [s.waybill_no for s in shipments],
        "carriers": [s.carrier for s in shipments],
    }
    return [row[0] for row in await conn.execute(_RECORD_SHIPPED, params)]


async def record_payment(conn: AsyncConnection, payment: RecordPayment) -> None:
    await conn.execute(
        update(order_refs)
        .where(order_refs.c.order_id == payment.order_id)
        .values(paid_fen=func.greatest(order_refs.c.paid_fen, payment.paid_fen), updated_at=func.now())
    )


async def record_progress(conn: AsyncConnection, progress: RecordProgress) -> None:
    column = {"shipped": "shipped_at", "delivered": "delivered_at", "cancelled": "cancelled_at"}[progress.kind]
    await conn.execute(
        update(order_refs)
        .where(order_refs.c.order_id == progress.order_id, order_refs.c[column].is_(None))
        .values({column: progress.at, "updated_at": func.now()})
    )


async def record_category(conn: AsyncConnection, record: RecordCategory) -> None:
    statement = insert(product_categories).values(
        sku=record.sku, category=record.category, title=record.title, updated_at=record.updated_at
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[product_categories.c.sku],
            set_={"category": record.category, "title": record.title, "updated_at": record.updated_at},
            where=product_categories.c.updated_at <= record.updated_at,
        )
    )


async def categories_of(conn: AsyncConnection, skus: Sequence[str]) -> dict[str, str]:
    query = select(product_categories.c.sku, product_categories.c.category).where(product_categories.c.sku.in_(skus))
    return {row.sku: row.category for row in await conn.execute(query)}


async def lock_order_ref(conn: AsyncConnection, order_id: str) -> OrderRef | None:
    """The order reference, its row locked until the transaction ends (filings and refunds of one
    order queue behind each other here)."""
    query = select(order_refs).where(order_refs.c.order_id == order_id).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _ref(row)


async def add_refunded(conn: AsyncConnection, order_id: str, amount_fen: int) -> bool:
    """Books `amount_fen` against the order; False (nothing changed) when it would pass what was paid."""
    statement = (
        update(order_refs)
        .where(order_refs.c.order_id == order_id, order_refs.c.refunded_fen + amount_fen <= order_refs.c.paid_fen)
        .values(refunded_fen=order_refs.c.refunded_fen + amount_fen, updated_at=func.now())
    )
    return (await conn.execute(statement)).rowcount == 1


async def get_order_ref(conn: AsyncConnection, order_id: str) -> OrderRef | None:
    row = (await conn.execute(select(order_refs).where(order_refs.c.order_id == order_id))).mappings().first()
    return None if row is None else _ref(row)


def _ref(row: RowMapping) -> OrderRef:
    return OrderRef(
        order_id=row["order_id"],
        channel=row["channel"],
        receiver_name=row["receiver_name"],
        receiver_phone=row["receiver_phone"],
        items=list(row["items"]),
        placed_at=row["placed_at"],
        waybill_no=row["waybill_no"],
        carrier=row["carrier"],
        channel_order_no=row["channel_order_no"],
        buyer_id=row["buyer_id"],
        receiver=row["receiver"],
        currency=row["currency"],
        discount_fen=row["discount_fen"],
        paid_fen=row["paid_fen"],
        refunded_fen=row["refunded_fen"],
        shipped_at=row["shipped_at"],
        delivered_at=row["delivered_at"],
        cancelled_at=row["cancelled_at"],
    )

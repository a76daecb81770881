"""Every SQL statement of the order references: set-based writes over arrays (a run of events from
one consumer batch is one statement) and the read of one reference."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.order_refs.model import OrderRef, RecordPlacement, RecordShipment
from aftersales.tables import order_refs

# A shipment that came first waits in early_shipments: the placement takes its waybill along.
_RECORD_PLACED = text(
    """
WITH early AS (
    DELETE FROM aftersales.early_shipments e WHERE e.order_id = ANY(CAST(:order_ids AS text[]))
    RETURNING e.order_id, e.waybill_no, e.carrier
)
INSERT INTO aftersales.order_refs
    (order_id, channel, receiver_name, receiver_phone, items, placed_at, waybill_no, carrier)
SELECT o.order_id, o.channel, o.receiver_name, o.receiver_phone, CAST(o.items AS jsonb), o.placed_at,
       early.waybill_no, early.carrier
FROM unnest(
    CAST(:order_ids AS text[]), CAST(:channels AS text[]), CAST(:names AS text[]), CAST(:phones AS text[]),
    CAST(:items AS text[]), CAST(:placed_ats AS timestamptz[])
) AS o(order_id, channel, receiver_name, receiver_phone, items, placed_at)
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


async def get_order_ref(conn: AsyncConnection, order_id: str) -> OrderRef | None:
    row = (await conn.execute(select(order_refs).where(order_refs.c.order_id == order_id))).mappings().first()
    if row is None:
        return None
    return OrderRef(
        order_id=row["order_id"],
        channel=row["channel"],
        receiver_name=row["receiver_name"],
        receiver_phone=row["receiver_phone"],
        items=list(row["items"]),
        placed_at=row["placed_at"],
        waybill_no=row["waybill_no"],
        carrier=row["carrier"],
    )

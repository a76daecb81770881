"""Message handlers: keep the order reference that return tickets are linked to. Both are batch
handlers: a run of events from one consumer batch is one statement over arrays. The placement
(orders.v1) and the shipment (fulfillment.v1) may arrive in either order."""

from __future__ import annotations

import json
from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderPlaced, ShipmentCreated
from orderhub_runtime.bus.consumer import BatchHandler
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger
from sqlalchemy import text

log = get_logger(__name__)

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


async def on_orders_placed(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    orders = [event.order for _, event in items if isinstance(event, OrderPlaced)]
    params = {
        "order_ids": [o.order_id for o in orders],
        "channels": [o.channel.value for o in orders],
        "names": [o.receiver.name for o in orders],
        "phones": [o.receiver.phone for o in orders],
        "items": [json.dumps([i.model_dump(mode="json") for i in o.items], ensure_ascii=False) for o in orders],
        "placed_ats": [o.created_at for o in orders],
    }
    await tx.conn.execute(_RECORD_PLACED, params)


async def on_shipments_created(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    shipments = [event for _, event in items if isinstance(event, ShipmentCreated)]
    params = {
        "order_ids": [s.order_id for s in shipments],
        "waybills": [s.waybill_no for s in shipments],
        "carriers": [s.carrier for s in shipments],
    }
    for row in await tx.conn.execute(_RECORD_SHIPPED, params):
        log.info("order_ref.shipment_before_placement", order_id=row[0])


BATCH_HANDLERS: dict[str, BatchHandler] = {
    OrderPlaced.event_type: on_orders_placed,
    ShipmentCreated.event_type: on_shipments_created,
}

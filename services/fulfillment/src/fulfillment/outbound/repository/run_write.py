"""The writes of a run's allocation, in one statement: the stock increments, the reservations,
the new outbound orders, the allocated orders leaving the awaiting-stock queue and the short
ones joining (or staying in) it; a mixed order allocated in part stays queued with the rest.
The caller has locked the stock rows and checked that every increment fits; each one is still
conditional (`on_hand - reserved >= q`), as in reserve.py."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.order import CanonicalOrder
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.outbound.model import OutboundOrder
from fulfillment.stock.model import StockRowChanged


@dataclass(frozen=True)
class Queued:
    order: CanonicalOrder
    cleared_at: datetime


# The sub-statements touch different rows and tables, so one snapshot serves them all. Queued
# orders go in run order (WITH ORDINALITY), so their queue places are those one-by-one would give.
_WRITE = text(
    """
WITH d AS (
    SELECT * FROM unnest(CAST(:skus AS text[]), CAST(:quantities AS int[])) AS d(sku, quantity)
), stocked AS (
    UPDATE fulfillment.stock s SET reserved = s.reserved + d.quantity, updated_at = now()
    FROM d WHERE s.sku = d.sku AND s.on_hand - s.reserved >= d.quantity
    RETURNING s.sku
), reserved AS (
    INSERT INTO fulfillment.reservations (order_id, sku, quantity)
    SELECT * FROM unnest(CAST(:r_orders AS text[]), CAST(:r_skus AS text[]), CAST(:r_quantities AS int[]))
    -- the presale parcel of a mixed order reserves after its in-stock parcel, maybe the same SKU
    ON CONFLICT (order_id, sku) DO UPDATE SET quantity = fulfillment.reservations.quantity + excluded.quantity
), created AS (
    INSERT INTO fulfillment.outbound_orders (
        outbound_id, order_id, status, ship_deadline, receiver, items, buyer_remark, seller_memo, carrier, waybill_no,
        zone, channel, channel_order_no, gift_note, remark_flags
    )
    SELECT o.outbound_id, o.order_id, o.status, o.ship_deadline, CAST(o.receiver AS jsonb), CAST(o.items AS jsonb),
           o.buyer_remark, o.seller_memo, o.carrier, o.waybill_no, o.zone, o.channel, o.channel_order_no,
           o.gift_note,
           ARRAY(SELECT f.label FROM fulfillment.order_flags f WHERE f.order_id = o.order_id ORDER BY f.rule_id)
    FROM unnest(
        CAST(:o_ids AS text[]), CAST(:o_orders AS text[]), CAST(:o_statuses AS text[]),
        CAST(:o_deadlines AS timestamptz[]), CAST(:o_receivers AS text[]), CAST(:o_items AS text[]),
        CAST(:o_buyer_remarks AS text[]), CAST(:o_seller_memos AS text[]), CAST(:o_carriers AS text[]),
        CAST(:o_waybills AS text[]), CAST(:o_zones AS text[]), CAST(:o_channels AS text[]),
        CAST(:o_channel_order_nos AS text[]), CAST(:o_gift_notes AS text[])
    ) AS o(outbound_id, order_id, status, ship_deadline, receiver, items, buyer_remark, seller_memo, carrier,
           waybill_no, zone, channel, channel_order_no, gift_note)
), dequeued AS (
    -- an order whose presale parcel still waits stays queued (its entry updated below)
    DELETE FROM fulfillment.awaiting_stock
    WHERE order_id = ANY(CAST(:o_orders AS text[])) AND NOT order_id = ANY(CAST(:q_orders AS text[]))
), queued AS (
    INSERT INTO fulfillment.awaiting_stock (order_id, skus, order_snapshot, cleared_at)
    SELECT q.order_id, ARRAY(SELECT jsonb_array_elements_text(CAST(q.skus AS jsonb))), CAST(q.snapshot AS jsonb),
           q.cleared_at
    FROM unnest(
        CAST(:q_orders AS text[]), CAST(:q_skus AS text[]), CAST(:q_snapshots AS text[]),
        CAST(:q_cleared_ats AS timestamptz[])
    ) WITH ORDINALITY AS q(order_id, skus, snapshot, cleared_at, n)
    ORDER BY q.n
    ON CONFLICT (order_id) DO UPDATE SET order_snapshot = excluded.order_snapshot, skus = excluded.skus
)
SELECT count(*) FROM stocked
"""
)


async def write_allocations(
    conn: AsyncConnection,
    reservations: Mapping[str, Mapping[str, int]],
    outbounds: Sequence[OutboundOrder],
    queued: Sequence[Queued],
) -> None:
    """`reservations`: order ID -> quantity per SKU, for the orders given an outbound."""
    totals: dict[str, int] = {}
    r_orders: list[str] = []
    r_skus: list[str] = []
    r_quantities: list[int] = []
    for order_id, quantities in reservations.items():
        for sku, quantity in quantities.items():
            totals[sku] = totals.get(sku, 0) + quantity
            r_orders.append(order_id)
            r_skus.append(sku)
            r_quantities.append(quantity)
    skus = sorted(totals)
    params = {
        "skus": skus,
        "quantities": [totals[sku] for sku in skus],
        "r_orders": r_orders,
        "r_skus": r_skus,
        "r_quantities": r_quantities,
        "o_ids": [o.outbound_id for o in outbounds],
        "o_orders": [o.order_id for o in outbounds],
        "o_statuses": [o.status.value for o in outbounds],
        "o_deadlines": [o.ship_deadline for o in outbounds],
        "o_receivers": [o.receiver.model_dump_json() for o in outbounds],
        "o_items": [_items_json(o) for o in outbounds],
        "o_buyer_remarks": [o.buyer_remark for o in outbounds],
        "o_seller_memos": [o.seller_memo for o in outbounds],
        "o_carriers": [o.carrier for o in outbounds],
        "o_waybills": [o.waybill_no for o in outbounds],
        "o_zones": [o.zone.value for o in outbounds],
        "o_channels": [o.channel for o in outbounds],
        "o_channel_order_nos": [o.channel_order_no for o in outbounds],
        "o_gift_notes": [o.gift_note for o in outbounds],
        "q_orders": [q.order.order_id for q in queued],
        "q_skus": [json.dumps(sorted({i.sku for i in q.order.items})) for q in queued],
        "q_snapshots": [q.order.model_dump_json() for q in queued],
        "q_cleared_ats": [q.cleared_at for q in queued],
    }
    stocked = (await conn.execute(_WRITE, params)).scalar_one()
    if stocked != len(skus):
        raise StockRowChanged(",".join(skus))


def _items_json(outbound: OutboundOrder) -> str:
    return "[" + ",".join(item.model_dump_json() for item in outbound.items) + "]"

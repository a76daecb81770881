"""The allocate use case: reserve stock → outbound order (出库单) per parcel → waybill →
shipment.created.
Each parcel is reserved on its own, the in-stock one first (see parcels.py): short of that, the
order joins the awaiting-stock queue and nothing is reserved; a presale parcel short of stock
waits in the queue on its own while the in-stock parcel goes ahead.
Callers hold the order's lock (see locks.py) and have checked it is neither held nor cancelled.
Used for waiting orders that stock becomes available for; clearances come in runs and go
through allocate_run.py, which has the same outcome set-based."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fulfillment.carriers import CarrierProvider, WaybillRequest
from fulfillment.outbound.model import OutboundOrder
from fulfillment.outbound.repository import (
    insert_outbound,
    next_outbound_id,
    refresh_remark_flags,
)
from fulfillment.outbound.repository.waiting import dequeue, enqueue
from fulfillment.outbound.service.parcels import ShipPolicy, announce_outbounds, outbound_of, plan_orders, rest_of
from fulfillment.stock.model import line_quantities
from fulfillment.stock.repository import reserve
from orderhub_contracts.events import ShortLine, StockShortage
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Allocated:
    outbounds: tuple[OutboundOrder, ...]  # one per parcel, in-stock first


@dataclass(frozen=True)
class AwaitingStock:
    short: tuple[ShortLine, ...]


Allocation = Allocated | AwaitingStock


async def allocate(
    tx: Tx,
    order: CanonicalOrder,
    carrier: CarrierProvider,
    *,
    cleared_at: datetime,
    announce_shortage: bool,
    policy: ShipPolicy = ShipPolicy(),
) -> Allocation:
    """`announce_shortage`: publish stock.shortage if short (once per clearance, not per retry)."""
    [parcels] = await plan_orders(tx.conn, [(order, cleared_at)], policy)
    if not parcels:
        return Allocated(())
    first, *later = parcels
    short = await reserve(tx.conn, order.order_id, line_quantities(first.items))
    if short:
        await enqueue(tx.conn, order, cleared_at)
        if announce_shortage:
            await tx.publish(StockShortage(order_id=order.order_id, lines=tuple(short)))
        log.info("stock.shortage", order_id=order.order_id, lines=[s.model_dump() for s in short])
        return AwaitingStock(tuple(short))

    taken, rest = [first], None
    for parcel in later:  # the presale parcel of a mixed order: reserved on its own
        if await reserve(tx.conn, order.order_id, line_quantities(parcel.items)):
            rest = rest_of(order, parcel)
            log.info("presale.awaiting_stock", order_id=order.order_id, zone=parcel.zone.value)
        else:
            taken.append(parcel)
    if rest is None:
        await dequeue(tx.conn, order.order_id)
    else:
        await enqueue(tx.conn, rest, cleared_at)  # keeps the order's place if it was queued
    outbounds: list[OutboundOrder] = []
    for parcel in taken:
        outbound_id = await next_outbound_id(tx.conn, datetime.now(UTC))
        waybill_no = await carrier.issue_waybill(
            tx.conn, WaybillRequest(outbound_id=outbound_id, order_id=order.order_id, receiver=order.receiver)
        )
        outbound = outbound_of(order, parcel, outbound_id, carrier.code, waybill_no)
        await insert_outbound(tx.conn, outbound)
        outbounds.append(outbound)
    await refresh_remark_flags(tx.conn, [order.order_id])
    await announce_outbounds(tx, outbounds)
    return Allocated(tuple(outbounds))

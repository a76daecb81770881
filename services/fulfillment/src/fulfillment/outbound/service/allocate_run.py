"""Allocating a run of cleared orders at once: the set-based form of allocate.py, with the same
outcome as allocating them one by one in run order.

Every SKU the run needs is locked once, in SKU order (a SKU never stocked gets a zero row
first, as in reserve.py); the orders are then tried in run order against the locked levels, each
parcel all lines or none (the in-stock parcel first; see parcels.py), so first come first served
holds exactly and nothing is oversold: an order whose first parcel does not fit reserves nothing
and joins the awaiting-stock queue, a presale parcel that does not fit joins it on its own, and
later orders of the run may still fit. The outcome is written in one statement, outbound IDs and waybills are drawn
for the allocated orders in one round trip each, and every order gets the event it would get
alone. Callers hold the orders' locks and have checked each is neither held nor cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fulfillment.carriers import CarrierProvider, WaybillRequest
from fulfillment.deadlines import Parcel
from fulfillment.outbound.model import OutboundOrder
from fulfillment.outbound.repository import next_outbound_ids
from fulfillment.outbound.repository.run_write import Queued, write_allocations
from fulfillment.outbound.service.parcels import ShipPolicy, announce_outbounds, outbound_of, plan_orders, rest_of
from fulfillment.stock.model import line_quantities, shortages
from fulfillment.stock.repository import ensure_stock_rows, lock_skus
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import ShortLine, StockShortage
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Candidate:
    order: CanonicalOrder
    cleared_at: datetime
    announce_shortage: bool  # publish stock.shortage if short (once per clearance, not per retry)
    envelope: Envelope | None  # the event it answers: what its outgoing events are caused by


async def allocate_run(
    tx: Tx, candidates: Sequence[Candidate], carrier: CarrierProvider, policy: ShipPolicy = ShipPolicy()
) -> None:
    """Allocate each candidate, in order (the orders are distinct), or queue it short of stock."""
    if not candidates:
        return
    conn = tx.conn
    needs = [line_quantities(c.order.items) for c in candidates]
    skus = sorted({sku for quantities in needs for sku in quantities})
    await ensure_stock_rows(conn, skus)
    available = {sku: level.available for sku, level in (await lock_skus(conn, skus)).items()}

    planned = await plan_orders(conn, [(c.order, c.cleared_at) for c in candidates], policy)
    reserved: dict[str, dict[str, int]] = {}
    parcels: list[tuple[Candidate, Parcel]] = []  # each reserved parcel becomes an outbound, in run order
    short: dict[str, list[ShortLine]] = {}
    queued: list[Queued] = []
    for candidate, order_parcels in zip(candidates, planned, strict=True):
        if not order_parcels:  # no lines: nothing to reserve or ship
            continue
        first, *later = order_parcels
        lines = _take(first, available)
        if lines:
            short[candidate.order.order_id] = lines
            queued.append(Queued(candidate.order, candidate.cleared_at))
            continue
        taken = [first]
        for parcel in later:  # the presale parcel of a mixed order: reserved on its own
            if _take(parcel, available):
                queued.append(Queued(rest_of(candidate.order, parcel), candidate.cleared_at))
                log.info("presale.awaiting_stock", order_id=candidate.order.order_id, zone=parcel.zone.value)
            else:
                taken.append(parcel)
        quantities = reserved.setdefault(candidate.order.order_id, {})
        for parcel in taken:
            parcels.append((candidate, parcel))
            for sku, quantity in line_quantities(parcel.items).items():
                quantities[sku] = quantities.get(sku, 0) + quantity

    outbound_ids = await next_outbound_ids(conn, datetime.now(UTC), len(parcels))
    requests = [
        WaybillRequest(outbound_id=outbound_id, order_id=c.order.order_id, receiver=c.order.receiver)
        for outbound_id, (c, _) in zip(outbound_ids, parcels, strict=True)
    ]
    waybills = await carrier.issue_waybills(conn, requests)
    outbounds: dict[str, list[OutboundOrder]] = {}
    for outbound_id, waybill_no, (c, parcel) in zip(outbound_ids, waybills, parcels, strict=True):
        outbound = outbound_of(c.order, parcel, outbound_id, carrier.code, waybill_no)
        outbounds.setdefault(c.order.order_id, []).append(outbound)
    every_outbound = [o for order_outbounds in outbounds.values() for o in order_outbounds]
    await write_allocations(conn, reserved, every_outbound, queued)

    for candidate in candidates:
        if candidate.envelope is not None:
            tx.acting_on(candidate.envelope)
        order_id = candidate.order.order_id
        if order_id in outbounds:
            await announce_outbounds(tx, outbounds[order_id])
        elif order_id in short:
            if candidate.announce_shortage:
                await tx.publish(StockShortage(order_id=order_id, lines=tuple(short[order_id])))
            log.info("stock.shortage", order_id=order_id, lines=[s.model_dump() for s in short[order_id]])


def _take(parcel: Parcel, available: dict[str, int]) -> list[ShortLine]:
    """Take the parcel's units from `available` if every line fits; else its short lines."""
    quantities = line_quantities(parcel.items)
    lines = shortages(quantities, available)
    if not lines:
        for sku, quantity in quantities.items():
            available[sku] -= quantity
    return lines

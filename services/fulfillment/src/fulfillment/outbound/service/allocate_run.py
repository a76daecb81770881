"""Allocating a run of cleared orders at once: the set-based form of allocate.py, with the same
outcome as allocating them one by one in run order.

Every SKU the run needs is locked once, in SKU order (a SKU never stocked gets a zero row
first, as in reserve.py); the orders are then tried in run order against the locked levels, each
all lines or none, so first come first served holds exactly and nothing is oversold: an order
that does not fit reserves nothing and joins the awaiting-stock queue, and later orders of the
run may still fit. The outcome is written in one statement, outbound IDs and waybills are drawn
for the allocated orders in one round trip each, and every order gets the event it would get
alone. Callers hold the orders' locks and have checked each is neither held nor cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fulfillment.carriers import CarrierProvider, WaybillRequest
from fulfillment.outbound.model import OutboundOrder
from fulfillment.outbound.repository import next_outbound_ids
from fulfillment.outbound.repository.run_write import Queued, write_allocations
from fulfillment.outbound.service.parcels import ShipPolicy, announce_outbounds, outbound_of, plan_orders
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

    fits: list[tuple[Candidate, dict[str, int]]] = []
    short: dict[str, list[ShortLine]] = {}
    for candidate, quantities in zip(candidates, needs, strict=True):
        lines = shortages(quantities, available)
        if lines:
            short[candidate.order.order_id] = lines
            continue
        for sku, quantity in quantities.items():
            available[sku] -= quantity
        fits.append((candidate, quantities))

    # Each allocated order becomes one outbound per parcel (two for a mixed order), in run order.
    planned = await plan_orders(conn, [(c.order, c.cleared_at) for c, _ in fits], policy)
    parcels = [(c, parcel) for (c, _), order_parcels in zip(fits, planned, strict=True) for parcel in order_parcels]
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
    queued = [Queued(c.order, c.cleared_at) for c in candidates if c.order.order_id in short]
    every_outbound = [o for order_outbounds in outbounds.values() for o in order_outbounds]
    await write_allocations(conn, {c.order.order_id: q for c, q in fits}, every_outbound, queued)

    for candidate in candidates:
        if candidate.envelope is not None:
            tx.acting_on(candidate.envelope)
        order_id = candidate.order.order_id
        if order_id in outbounds:
            await announce_outbounds(tx, outbounds[order_id])
        else:
            if candidate.announce_shortage:
                await tx.publish(StockShortage(order_id=order_id, lines=tuple(short[order_id])))
            log.info("stock.shortage", order_id=order_id, lines=[s.model_dump() for s in short[order_id]])

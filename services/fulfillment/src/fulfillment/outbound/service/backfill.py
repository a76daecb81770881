"""Stock that becomes available (a raise, a cancellation) goes to the orders waiting for it,
oldest first. Each order is still all or nothing: one that cannot be covered keeps its place
and later, smaller orders may go ahead of it. Held orders keep waiting until released."""

from __future__ import annotations

from collections.abc import Iterable

from fulfillment.carriers import CarrierProvider
from fulfillment.outbound.repository.holds import active_hold
from fulfillment.outbound.repository.locks import try_lock_order
from fulfillment.outbound.repository.waiting import waiting_for_skus, waiting_order
from fulfillment.outbound.service.allocate import Allocated, allocate
from fulfillment.outbound.service.parcels import ShipPolicy
from fulfillment.stock.model import line_quantities
from fulfillment.stock.repository import lock_skus
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


async def allocate_waiting(
    tx: Tx, skus: Iterable[str], carrier: CarrierProvider, policy: ShipPolicy = ShipPolicy()
) -> list[str]:
    """Allocate the waiting orders that need any of `skus`; returns the allocated order IDs."""
    conn, trigger = tx.conn, set(skus)
    available = {sku: level.available for sku, level in (await lock_skus(conn, trigger)).items()}
    allocated: list[str] = []
    for order_id in await waiting_for_skus(conn, trigger):
        if all(available.get(sku, 0) <= 0 for sku in trigger):
            break
        # Whoever holds the order's lock is handling it right now (and will see this stock).
        if not await try_lock_order(conn, order_id):
            continue
        waiting = await waiting_order(conn, order_id)  # re-read under the lock: may be gone
        if waiting is None or await active_hold(conn, order_id) is not None:
            continue
        # A mixed order may go in part (its in-stock parcel), so allocate decides what fits.
        outcome = await allocate(
            tx, waiting.order, carrier, cleared_at=waiting.cleared_at, announce_shortage=False, policy=policy
        )
        if isinstance(outcome, Allocated) and outcome.outbounds:
            allocated.append(order_id)
            taken = line_quantities(tuple(item for o in outcome.outbounds for item in o.items))
            for sku in trigger & taken.keys():
                available[sku] -= taken[sku]
    if allocated:
        log.info("stock.waiting_orders_allocated", skus=sorted(trigger), order_ids=allocated)
    return allocated

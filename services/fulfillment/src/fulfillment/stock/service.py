"""Setting a SKU's stock (PUT /v1/stock/{sku}) and, in the same transaction, allocating the
orders that were waiting for it."""

from __future__ import annotations

from orderhub_runtime.db import Tx

from fulfillment.carriers import CarrierProvider
from fulfillment.outbound.repository.waiting import skus_needed_with
from fulfillment.outbound.service.backfill import allocate_waiting
from fulfillment.outbound.service.parcels import ShipPolicy
from fulfillment.stock.model import StockSet
from fulfillment.stock.repository import get_stock, lock_skus, set_on_hand


async def set_stock(
    tx: Tx, sku: str, on_hand: int, carrier: CarrierProvider, policy: ShipPolicy = ShipPolicy()
) -> StockSet:
    # Take every SKU the waiting orders will need up front, in SKU order, rather than one by
    # one as each order is tried: that would lock out of order and could deadlock with a
    # concurrent reservation.
    await lock_skus(tx.conn, await skus_needed_with(tx.conn, sku) | {sku})
    await set_on_hand(tx.conn, sku, on_hand)
    allocated = await allocate_waiting(tx, [sku], carrier, policy)
    level = await get_stock(tx.conn, sku)
    assert level is not None  # just written in this transaction
    return StockSet(level=level, allocated_orders=allocated)

"""Concurrent reservations never oversell: each runs in its own transaction on its own
connection, all racing for the same stock row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fulfillment.carriers import LocalCarrier
from fulfillment.outbound.service.clearance import clear_order
from fulfillment.stock.repository import reserve
from fulfillment.tables import awaiting_stock, outbound_orders, reservations
from fulfillment_harness import FulfillmentEnv
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
RACERS = 30


async def _count(fulfillment: FulfillmentEnv, query: Any) -> int:
    async with fulfillment.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_thirty_reservations_against_ten_units_reserve_exactly_ten(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    order_ids = [f"DABE-RACE-{sku}-{i}" for i in range(RACERS)]

    async def one(order_id: str) -> bool:
        async with fulfillment.engine.begin() as conn:
            return not await reserve(conn, order_id, {sku: 1})

    results = await asyncio.gather(*(one(order_id) for order_id in order_ids))

    assert sum(results) == 10
    stock = await fulfillment.stock(sku)
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (10, 10, 0)
    assert await _count(fulfillment, select(func.sum(reservations.c.quantity)).where(reservations.c.sku == sku)) == 10


async def test_thirty_concurrent_clearances_allocate_exactly_what_is_in_stock(fulfillment: FulfillmentEnv) -> None:
    sku, other = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    await fulfillment.put_stock(other, 100)
    # Two-line orders in both SKU orders: lock ordering must keep them deadlock-free.
    orders = [fulfillment.order({sku: 1, other: 1} if i % 2 else {other: 1, sku: 1}) for i in range(RACERS)]
    carrier = LocalCarrier()

    async def one(order: Any) -> None:
        async with fulfillment.db.transaction() as tx:
            await clear_order(tx, order, carrier, cleared_at=datetime.now(UTC))

    await asyncio.gather(*(one(order) for order in orders))

    ids = [o.order_id for o in orders]
    assert await _count(fulfillment, select(func.count()).where(outbound_orders.c.order_id.in_(ids))) == 10
    assert await _count(fulfillment, select(func.count()).where(awaiting_stock.c.order_id.in_(ids))) == 20
    assert (
        await _count(
            fulfillment,
            select(func.count(func.distinct(outbound_orders.c.waybill_no))).where(outbound_orders.c.order_id.in_(ids)),
        )
        == 10
    )
    assert (await fulfillment.stock(sku))["reserved"] == 10
    assert (await fulfillment.stock(other))["reserved"] == 10  # the short orders reserved nothing


async def test_raising_stock_while_orders_race_still_never_oversells(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 0)
    orders = [fulfillment.order({sku: 1}) for _ in range(RACERS)]
    carrier = LocalCarrier()

    async def clear(order: Any) -> None:
        async with fulfillment.db.transaction() as tx:
            await clear_order(tx, order, carrier, cleared_at=datetime.now(UTC))

    async def raise_twice() -> None:
        # One after the other (a raise to 5 landing after the raise to 12 had handed out 12
        # units would rightly be refused), both while the clearances race.
        for units in (5, 12):
            await asyncio.sleep(0.05)
            assert (await fulfillment.put_stock(sku, units)).status_code == 200

    await asyncio.gather(*(clear(o) for o in orders), raise_twice())

    ids = [o.order_id for o in orders]
    allocated = await _count(fulfillment, select(func.count()).where(outbound_orders.c.order_id.in_(ids)))
    waiting = await _count(fulfillment, select(func.count()).where(awaiting_stock.c.order_id.in_(ids)))
    # Every raise hands its units to waiting orders at once, so nothing is left idle.
    assert (allocated, waiting) == (12, RACERS - 12)
    stock = await fulfillment.stock(sku)
    assert (stock["on_hand"], stock["reserved"]) == (12, 12)

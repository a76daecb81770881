"""Reserving stock for an order, all lines or none, and releasing it again.

Never oversells under concurrency: every SKU row of the order is locked (SELECT ... FOR UPDATE,
in SKU order, so no deadlocks between orders) before anything is checked, and each increment
is still a conditional UPDATE (`on_hand - reserved >= q`). Locking even when the order turns
out short matters: a stock raise waits for this transaction, and so sees the order in the
awaiting-stock queue when this transaction enqueues it (no lost wake-up). For the same reason
a SKU never stocked before gets a zero row first, so there is a row to lock."""

from __future__ import annotations

from collections.abc import Mapping

from orderhub_contracts.events import ShortLine
from orderhub_contracts.order import LineItem
from sqlalchemy import delete, func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.stock.repository import lock_skus
from fulfillment.tables import reservations, stock


class StockRowChanged(RuntimeError):
    """A locked row did not take the increment: a bug, never a business outcome."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"stock row {sku} changed under its lock")


def line_quantities(items: tuple[LineItem, ...]) -> dict[str, int]:
    """Quantity per SKU; an order may list one SKU on several lines."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.sku] = totals.get(item.sku, 0) + item.quantity
    return totals


def shortages(quantities: Mapping[str, int], available: Mapping[str, int]) -> list[ShortLine]:
    """Lines that cannot be covered; an unknown SKU has nothing available."""
    return [
        ShortLine(sku=sku, requested=qty, available=max(available.get(sku, 0), 0))
        for sku, qty in sorted(quantities.items())
        if available.get(sku, 0) < qty
    ]


async def reserve(conn: AsyncConnection, order_id: str, quantities: Mapping[str, int]) -> list[ShortLine]:
    """Reserve every line or nothing; returns the short lines (empty when reserved)."""
    new_rows = [{"sku": sku, "on_hand": 0, "reserved": 0} for sku in sorted(quantities)]
    await conn.execute(pg_insert(stock).values(new_rows).on_conflict_do_nothing(index_elements=[stock.c.sku]))
    levels = await lock_skus(conn, quantities)
    short = shortages(quantities, {sku: level.available for sku, level in levels.items()})
    if short:
        return short
    for sku in sorted(quantities):
        qty = quantities[sku]
        result = await conn.execute(
            update(stock)
            .where(stock.c.sku == sku, stock.c.on_hand - stock.c.reserved >= qty)
            .values(reserved=stock.c.reserved + qty, updated_at=func.now())
            .returning(stock.c.sku)
        )
        if result.first() is None:
            raise StockRowChanged(sku)
    await conn.execute(
        insert(reservations), [{"order_id": order_id, "sku": sku, "quantity": q} for sku, q in quantities.items()]
    )
    return []


async def release(conn: AsyncConnection, order_id: str) -> dict[str, int]:
    """Give an order's reserved units back to available stock; returns what was released."""
    rows = await conn.execute(
        delete(reservations)
        .where(reservations.c.order_id == order_id)
        .returning(reservations.c.sku, reservations.c.quantity)
    )
    released = {row.sku: row.quantity for row in rows}
    for sku in sorted(released):
        await conn.execute(
            update(stock)
            .where(stock.c.sku == sku)
            .values(reserved=stock.c.reserved - released[sku], updated_at=func.now())
        )
    return released

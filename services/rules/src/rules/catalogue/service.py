"""Keeping the catalogue's list prices and the list total R10 compares the payment with: each
line at the catalogue's price where the catalogue knows the SKU (in the order's currency), at the
order's own stated price otherwise. So an order that states a low unit price and pays it (a
forged mini-program price, a platform listing typed wrong) still trips R10."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderhub_contracts.events import ProductUpdated
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.catalogue import repository


async def record_prices(tx: Tx, events: Sequence[ProductUpdated]) -> None:
    for event in sorted(events, key=lambda e: (e.sku, e.updated_at)):
        await repository.upsert_price(tx.conn, event.sku, event.list_price_fen, event.currency, event.updated_at)


def catalogue_list_total(order: CanonicalOrder, prices: Mapping[str, int]) -> int:
    return sum(item.quantity * prices.get(item.sku, item.unit_price_fen) for item in order.items)


async def list_totals(conn: AsyncConnection, orders: Sequence[CanonicalOrder]) -> dict[str, int]:
    """The catalogue list total of each CNY order whose SKUs the catalogue knows (any of them)."""
    cny = [o for o in orders if o.currency == "CNY"]
    known = await repository.prices(conn, {item.sku for o in cny for item in o.items})
    return {o.order_id: catalogue_list_total(o, known) for o in cny if any(item.sku in known for item in o.items)}

"""Stock rows: read one, set on-hand (never below what is reserved), lock a set in SKU order;
reservations: reserve an order all lines or none, release it again.

Reserving stock for an order, all lines or none, and releasing it again.

Never oversells under concurrency: every SKU row of the order is locked (SELECT ... FOR UPDATE,
in SKU order, so no deadlocks between orders) before anything is checked, and each increment
is still a conditional UPDATE (`on_hand - reserved >= q`). Locking even when the order turns
out short matters: a stock raise waits for this transaction, and so sees the order in the
awaiting-stock queue when this transaction enqueues it (no lost wake-up). For the same reason
a SKU never stocked before gets a zero row first, so there is a row to lock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from orderhub_contracts.events import ShortLine
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.stock.model import OnHandBelowReserved, StockLevel, StockRowChanged, shortages
from fulfillment.tables import reservations, stock


def _level(row: RowMapping) -> StockLevel:
    return StockLevel(sku=row["sku"], on_hand=row["on_hand"], reserved=row["reserved"], updated_at=row["updated_at"])


async def get_stock(conn: AsyncConnection, sku: str) -> StockLevel | None:
    row = (await conn.execute(select(stock).where(stock.c.sku == sku))).mappings().first()
    return None if row is None else _level(row)


async def set_on_hand(conn: AsyncConnection, sku: str, on_hand: int) -> StockLevel:
    """Create the SKU or overwrite its on-hand count; refused when reservations exceed it.

    The upsert's WHERE makes the check and the write one atomic step on the locked row, so a
    reservation committing in between cannot slip under the new count.
    """
    insert = pg_insert(stock).values(sku=sku, on_hand=on_hand, reserved=0)
    upsert = insert.on_conflict_do_update(
        index_elements=[stock.c.sku],
        set_={"on_hand": insert.excluded.on_hand, "updated_at": func.now()},
        where=stock.c.reserved <= insert.excluded.on_hand,
    ).returning(*stock.c)
    row = (await conn.execute(upsert)).mappings().first()
    if row is not None:
        return _level(row)
    current = await get_stock(conn, sku)
    raise OnHandBelowReserved(sku, on_hand, current.reserved if current else 0)


async def lock_skus(conn: AsyncConnection, skus: Iterable[str]) -> dict[str, StockLevel]:
    """Lock the existing rows of `skus` in SKU order (the one global lock order, so
    transactions locking several SKUs cannot deadlock each other) and return them."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    query = select(stock).where(stock.c.sku.in_(wanted)).order_by(stock.c.sku).with_for_update()
    rows = (await conn.execute(query)).mappings().all()
    return {row["sku"]: _level(row) for row in rows}


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
    # The presale parcel of a mixed order reserves after its in-stock parcel, maybe the same SKU.
    rows = pg_insert(reservations).values(
        [{"order_id": order_id, "sku": sku, "quantity": q} for sku, q in quantities.items()]
    )
    await conn.execute(
        rows.on_conflict_do_update(
            index_elements=[reservations.c.order_id, reservations.c.sku],
            set_={"quantity": reservations.c.quantity + rows.excluded.quantity},
        )
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


_KNOWN_SKUS = text(
    "INSERT INTO fulfillment.stock (sku, on_hand, reserved) SELECT unnest(CAST(:skus AS text[])), 0, 0"
    " ON CONFLICT (sku) DO NOTHING"
)


async def ensure_stock_rows(conn: AsyncConnection, skus: Iterable[str]) -> None:
    """A zero row for each SKU never stocked, so that there is a row to lock."""
    await conn.execute(_KNOWN_SKUS, {"skus": sorted(set(skus))})

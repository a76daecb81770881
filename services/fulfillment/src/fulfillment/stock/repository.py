"""Stock rows: read one, set on-hand (never below what is reserved), lock a set in SKU order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from orderhub_runtime.errors import Conflict
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import stock


@dataclass(frozen=True)
class StockLevel:
    sku: str
    on_hand: int
    reserved: int
    updated_at: datetime

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class OnHandBelowReserved(Conflict):
    def __init__(self, sku: str, on_hand: int, reserved: int) -> None:
        super().__init__(
            f"cannot set on_hand of {sku} to {on_hand}: {reserved} units are reserved for open orders",
            details={"sku": sku, "requested_on_hand": on_hand, "reserved": reserved},
        )


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

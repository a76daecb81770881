"""The awaiting-stock queue: cleared orders whose stock could not be reserved, oldest first."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.order import CanonicalOrder
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import awaiting_stock


@dataclass(frozen=True)
class WaitingOrder:
    order: CanonicalOrder
    cleared_at: datetime


async def enqueue(conn: AsyncConnection, order: CanonicalOrder, cleared_at: datetime) -> None:
    """Queue the order, or refresh its snapshot keeping its place in the queue."""
    stmt = pg_insert(awaiting_stock).values(
        order_id=order.order_id,
        skus=sorted({i.sku for i in order.items}),
        order_snapshot=order.model_dump(mode="json"),
        cleared_at=cleared_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[awaiting_stock.c.order_id],
        set_={"order_snapshot": stmt.excluded.order_snapshot, "skus": stmt.excluded.skus},
    )
    await conn.execute(stmt)


async def dequeue(conn: AsyncConnection, order_id: str) -> bool:
    result = await conn.execute(
        delete(awaiting_stock).where(awaiting_stock.c.order_id == order_id).returning(awaiting_stock.c.order_id)
    )
    return result.first() is not None


async def waiting_order(conn: AsyncConnection, order_id: str) -> WaitingOrder | None:
    query = select(awaiting_stock.c.order_snapshot, awaiting_stock.c.cleared_at).where(
        awaiting_stock.c.order_id == order_id
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return WaitingOrder(order=CanonicalOrder.model_validate(row.order_snapshot), cleared_at=row.cleared_at)


async def waiting_for_skus(conn: AsyncConnection, skus: Collection[str]) -> list[str]:
    """IDs of the queued orders that need any of `skus`, oldest first."""
    query = (
        select(awaiting_stock.c.order_id)
        .where(awaiting_stock.c.skus.overlap(sorted(skus)))
        .order_by(awaiting_stock.c.queue_seq)
    )
    return [row.order_id for row in await conn.execute(query)]


async def skus_needed_with(conn: AsyncConnection, sku: str) -> set[str]:
    """Every SKU of the queued orders that need `sku` (what allocating them will lock)."""
    query = select(awaiting_stock.c.skus).where(awaiting_stock.c.skus.contains([sku]))
    return {s for row in await conn.execute(query) for s in row.skus}

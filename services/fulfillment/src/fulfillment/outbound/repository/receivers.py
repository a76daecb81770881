"""Receiver changes (order.address_changed) and re-addressing an outbound order."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from orderhub_contracts.address import Receiver
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import outbound_orders, receiver_changes


async def record_receiver_change(
    conn: AsyncConnection, order_id: str, receiver: Receiver, changed_at: datetime
) -> None:
    """Keep the newest change of the order's receiver (an older one arriving late changes nothing)."""
    stmt = pg_insert(receiver_changes).values(
        order_id=order_id, receiver=receiver.model_dump(mode="json"), changed_at=changed_at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[receiver_changes.c.order_id],
        set_={"receiver": stmt.excluded.receiver, "changed_at": stmt.excluded.changed_at},
        where=receiver_changes.c.changed_at <= stmt.excluded.changed_at,
    )
    await conn.execute(stmt)


async def changed_receivers(conn: AsyncConnection, order_ids: Collection[str]) -> dict[str, Receiver]:
    if not order_ids:
        return {}
    query = select(receiver_changes.c.order_id, receiver_changes.c.receiver).where(
        receiver_changes.c.order_id.in_(sorted(set(order_ids)))
    )
    return {row.order_id: Receiver.model_validate(row.receiver) for row in await conn.execute(query)}


async def readdress(conn: AsyncConnection, outbound_id: str, receiver: Receiver, waybill_no: str) -> None:
    """The outbound order goes to `receiver` under a new waybill."""
    await conn.execute(
        update(outbound_orders)
        .where(outbound_orders.c.outbound_id == outbound_id)
        .values(receiver=receiver.model_dump(mode="json"), waybill_no=waybill_no, updated_at=func.now())
    )

"""Queries on the order record: ID claims, the order row, status (`placing` writes a new order).
Every function runs on the caller's connection inside the caller's transaction and never commits."""

from __future__ import annotations

from datetime import datetime

from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import order_keys, orders


async def find_order_id(conn: AsyncConnection, channel: str, channel_order_no: str) -> str | None:
    query = select(order_keys.c.order_id).where(
        order_keys.c.channel == channel, order_keys.c.channel_order_no == channel_order_no
    )
    value: str | None = await conn.scalar(query)
    return value


async def claim_order_id(conn: AsyncConnection, channel: str, channel_order_no: str, order_id: str) -> bool:
    """Claim `order_id` for the channel order. False when either the channel order already has an
    ID or another channel order holds this one. A concurrent uncommitted claim makes this wait for
    that transaction, so the caller's next read sees its outcome."""
    stmt = (
        pg_insert(order_keys)
        .values(channel=channel, channel_order_no=channel_order_no, order_id=order_id)
        .on_conflict_do_nothing()
        .returning(order_keys.c.order_id)
    )
    return (await conn.execute(stmt)).first() is not None


async def find_keyed_order(conn: AsyncConnection, channel: str, channel_order_no: str) -> RowMapping | None:
    """The order row of the channel order, read with its ID claim: None when the channel order has
    no ID; `order_id` is None (and `key_order_id` names the ID) if the claim has no order row."""
    query = (
        select(orders, order_keys.c.order_id.label("key_order_id"))
        .select_from(order_keys.outerjoin(orders, orders.c.order_id == order_keys.c.order_id))
        .where(order_keys.c.channel == channel, order_keys.c.channel_order_no == channel_order_no)
    )
    return (await conn.execute(query)).mappings().first()


async def get_order_row(conn: AsyncConnection, order_id: str) -> RowMapping | None:
    return (await conn.execute(select(orders).where(orders.c.order_id == order_id))).mappings().first()


async def lock_status(conn: AsyncConnection, order_id: str) -> tuple[OrderStatus, datetime] | None:
    """The order's status and since when, locked until the transaction ends (one writer at a time)."""
    query = select(orders.c.status, orders.c.status_since).where(orders.c.order_id == order_id).with_for_update()
    row = (await conn.execute(query)).first()
    return None if row is None else (OrderStatus(row.status), row.status_since)


async def set_status(conn: AsyncConnection, order_id: str, status: OrderStatus, *, since: datetime) -> None:
    await conn.execute(
        update(orders)
        .where(orders.c.order_id == order_id)
        .values(status=status.value, status_since=since, updated_at=func.now())
    )

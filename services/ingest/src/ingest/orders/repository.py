"""Queries on the order record: ID claims, the order row and its lines, status. Every function
runs on the caller's connection inside the caller's transaction and never commits."""

from __future__ import annotations

from datetime import datetime

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import last4
from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import order_items, order_keys, orders


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


async def insert_order(conn: AsyncConnection, order: CanonicalOrder, *, status_since: datetime) -> None:
    receiver = order.receiver
    await conn.execute(
        orders.insert().values(
            order_id=order.order_id,
            channel=order.channel.value,
            channel_order_no=order.channel_order_no,
            shop_id=order.shop_id,
            status=OrderStatus.CREATED.value,
            status_since=status_since,
            created_at=order.created_at,
            paid_at=order.paid_at,
            currency=order.currency,
            receiver_name=receiver.name,
            receiver_phone=receiver.phone,
            receiver_phone_last4=last4(receiver.phone),
            receiver_province=receiver.province,
            receiver_city=receiver.city,
            receiver_district=receiver.district,
            receiver_street=receiver.street,
            receiver_detail=receiver.detail,
            buyer_remark=order.buyer_remark,
            seller_memo=order.seller_memo,
            list_total_fen=order.list_total_fen,
            paid_total_fen=order.paid_total_fen,
            discount_fen=order.discount_fen,
            snapshot=order.model_dump(mode="json"),
        )
    )
    await conn.execute(
        order_items.insert(),
        [
            {
                "order_id": order.order_id,
                "line_no": line_no,
                "sku": item.sku,
                "title": item.title,
                "quantity": item.quantity,
                "unit_price_fen": item.unit_price_fen,
                "paid_fen": item.paid_fen,
                "presale": item.presale,
                "presale_ship_date": item.presale_ship_date,
            }
            for line_no, item in enumerate(order.items, start=1)
        ],
    )


async def load_order(conn: AsyncConnection, order_id: str) -> CanonicalOrder | None:
    """The order as it was placed (the snapshot published in order.placed)."""
    snapshot = await conn.scalar(select(orders.c.snapshot).where(orders.c.order_id == order_id))
    return None if snapshot is None else CanonicalOrder.model_validate(snapshot)


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

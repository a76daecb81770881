"""Outbound order rows: one per order and zone (a mixed order has an in-stock and a presale one),
each with its carrier and waybill."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import LineItem
from orderhub_contracts.timezone import as_shanghai
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.outbound.model import OutboundOrder, OutboundStatus, Zone
from fulfillment.tables import outbound_orders, outbound_seq


def from_row(row: RowMapping) -> OutboundOrder:
    return OutboundOrder(
        outbound_id=row["outbound_id"],
        order_id=row["order_id"],
        status=OutboundStatus(row["status"]),
        ship_deadline=as_shanghai(row["ship_deadline"]),
        receiver=Receiver.model_validate(row["receiver"]),
        items=tuple(LineItem.model_validate(i) for i in row["items"]),
        buyer_remark=row["buyer_remark"],
        seller_memo=row["seller_memo"],
        carrier=row["carrier"],
        waybill_no=row["waybill_no"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        zone=Zone(row["zone"]),
        channel=row["channel"],
        channel_order_no=row["channel_order_no"],
        gift_note=row["gift_note"],
        remark_flags=tuple(row["remark_flags"]),
        shipped_at=row["shipped_at"],
    )


async def next_outbound_id(conn: AsyncConnection, at: datetime) -> str:
    """'OB' + Asia/Shanghai date + a number from a sequence, e.g. OB20261124000042."""
    number = (await conn.execute(select(outbound_seq.next_value()))).scalar_one()
    return f"OB{as_shanghai(at):%Y%m%d}{int(number):06d}"


async def next_outbound_ids(conn: AsyncConnection, at: datetime, count: int) -> list[str]:
    """`count` outbound IDs in one round trip, rising (see next_outbound_id)."""
    if count == 0:
        return []
    query = select(outbound_seq.next_value()).select_from(func.generate_series(1, count))
    numbers = sorted(int(n) for n in (await conn.execute(query)).scalars())
    return [f"OB{as_shanghai(at):%Y%m%d}{n:06d}" for n in numbers]


async def insert_outbound(conn: AsyncConnection, outbound: OutboundOrder) -> None:
    await conn.execute(
        insert(outbound_orders).values(
            outbound_id=outbound.outbound_id,
            order_id=outbound.order_id,
            status=outbound.status.value,
            ship_deadline=outbound.ship_deadline,
            receiver=outbound.receiver.model_dump(mode="json"),
            items=[i.model_dump(mode="json") for i in outbound.items],
            buyer_remark=outbound.buyer_remark,
            seller_memo=outbound.seller_memo,
            carrier=outbound.carrier,
            waybill_no=outbound.waybill_no,
            zone=outbound.zone.value,
            channel=outbound.channel,
            channel_order_no=outbound.channel_order_no,
            gift_note=outbound.gift_note,
            remark_flags=list(outbound.remark_flags),
        )
    )


async def outbound_for_order(conn: AsyncConnection, order_id: str) -> OutboundOrder | None:
    """The order's first outbound (the in-stock one of a split order); see outbounds_for_order."""
    found = await outbounds_for_order(conn, order_id)
    return found[0] if found else None


async def outbounds_for_order(conn: AsyncConnection, order_id: str) -> list[OutboundOrder]:
    """Every outbound of the order: one, or two for a split order (in-stock first)."""
    query = (
        select(outbound_orders)
        .where(outbound_orders.c.order_id == order_id)
        .order_by(outbound_orders.c.zone, outbound_orders.c.outbound_id)
    )
    return [from_row(row) for row in (await conn.execute(query)).mappings()]


async def set_status(conn: AsyncConnection, outbound_id: str, status: OutboundStatus) -> None:
    await conn.execute(
        update(outbound_orders)
        .where(outbound_orders.c.outbound_id == outbound_id)
        .values(status=status.value, updated_at=func.now())
    )


async def reactivate(
    conn: AsyncConnection, outbound_id: str, receiver: Receiver, buyer_remark: str, seller_memo: str
) -> None:
    """Back to `created` with the receiver and remarks as the order now has them."""
    await conn.execute(
        update(outbound_orders)
        .where(outbound_orders.c.outbound_id == outbound_id)
        .values(
            status=OutboundStatus.CREATED.value,
            receiver=receiver.model_dump(mode="json"),
            buyer_remark=buyer_remark,
            seller_memo=seller_memo,
            updated_at=func.now(),
        )
    )


_REFRESH_FLAGS = text(
    """
UPDATE fulfillment.outbound_orders o
SET remark_flags = ARRAY(SELECT f.label FROM fulfillment.order_flags f WHERE f.order_id = o.order_id ORDER BY f.rule_id)
WHERE o.order_id = ANY(CAST(:order_ids AS text[]))
"""
)


async def refresh_remark_flags(conn: AsyncConnection, order_ids: Collection[str]) -> None:
    """Copy the orders' recorded remark flags (order_flags) onto their outbound orders."""
    if order_ids:
        await conn.execute(_REFRESH_FLAGS, {"order_ids": sorted(order_ids)})


async def outbound_by_waybill(
    conn: AsyncConnection, waybill_no: str, *, for_update: bool = False
) -> OutboundOrder | None:
    query = select(outbound_orders).where(outbound_orders.c.waybill_no == waybill_no)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else from_row(row)


async def mark_shipped(conn: AsyncConnection, outbound_id: str) -> datetime:
    """The parcel left: status shipped, stamped now; answers the time stamped."""
    stmt = (
        update(outbound_orders)
        .where(outbound_orders.c.outbound_id == outbound_id)
        .values(status=OutboundStatus.SHIPPED.value, shipped_at=func.now(), updated_at=func.now())
        .returning(outbound_orders.c.shipped_at)
    )
    shipped_at: datetime = (await conn.execute(stmt)).scalar_one()
    return shipped_at

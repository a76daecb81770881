"""Outbound order rows: one per order and zone (a mixed order has an in-stock and a presale one),
each with its carrier and waybill; and the board's read model (load_board_entries)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import LineItem
from orderhub_contracts.timezone import as_shanghai
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.tables import outbound_orders, outbound_seq, products


class OutboundStatus(StrEnum):
    CREATED = "created"
    PICKING = "picking"  # on a printed pick list (set by the pick-list flow)
    INTERCEPTED = "intercepted"  # held after its waybill was issued: must not leave the warehouse
    CANCELLED = "cancelled"
    SHIPPED = "shipped"


# Waiting for the warehouse: on the board, may be scanned out.
OPEN_STATUSES = (OutboundStatus.CREATED, OutboundStatus.PICKING)


class Zone(StrEnum):
    IN_STOCK = "in_stock"
    PRESALE = "presale"  # packed in its own zone, ships from the presale date


@dataclass(frozen=True)
class OutboundOrder:
    outbound_id: str
    order_id: str
    status: OutboundStatus
    ship_deadline: datetime
    receiver: Receiver
    items: tuple[LineItem, ...]
    buyer_remark: str
    seller_memo: str
    carrier: str
    waybill_no: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    zone: Zone = Zone.IN_STOCK
    channel: str = ""
    channel_order_no: str = ""
    gift_note: str = ""
    remark_flags: tuple[str, ...] = ()
    shipped_at: datetime | None = None


def _from_row(row: RowMapping) -> OutboundOrder:
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
    return [_from_row(row) for row in (await conn.execute(query)).mappings()]


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


# ---- the board (看板) and the paper: what the warehouse reads -------------------------------
@dataclass(frozen=True)
class BoardLine:
    sku: str
    title: str
    quantity: int
    bin_location: str  # "" for a SKU the catalogue does not know (or knows without a bin)


@dataclass(frozen=True)
class BoardEntry:
    """One outbound order as the warehouse sees it: on the board and on pick lists."""

    outbound_id: str
    order_id: str
    channel: str
    channel_order_no: str
    status: OutboundStatus
    zone: Zone
    ship_deadline: datetime  # Asia/Shanghai
    carrier: str
    waybill_no: str
    receiver_name: str
    receiver_phone_masked: str  # paper never shows the full number
    receiver_address: str
    lines: tuple[BoardLine, ...]
    buyer_remark: str
    seller_memo: str
    gift_note: str
    remark_flags: tuple[str, ...]  # e.g. "R12 备注需关注"
    created_at: datetime


async def load_board_entries(
    conn: AsyncConnection,
    *,
    zone: Zone | None = None,
    carrier: str | None = None,
    limit: int | None = None,
    outbound_ids: Sequence[str] | None = None,
    statuses: Sequence[OutboundStatus] = OPEN_STATUSES,
) -> list[BoardEntry]:
    """Outbound orders not yet shipped (`statuses`), most urgent first (earliest ship deadline,
    then outbound ID), with each line's bin from the catalogue. Filters combine; `outbound_ids`
    picks given orders (still filtered by status)."""
    o = outbound_orders
    query = select(o).where(o.c.status.in_([s.value for s in statuses]))
    if zone is not None:
        query = query.where(o.c.zone == zone.value)
    if carrier is not None:
        query = query.where(o.c.carrier == carrier)
    if outbound_ids is not None:
        query = query.where(o.c.outbound_id.in_(list(outbound_ids)))
    query = query.order_by(o.c.ship_deadline, o.c.outbound_id)
    if limit is not None:
        query = query.limit(limit)
    outbounds = [_from_row(row) for row in (await conn.execute(query)).mappings()]
    bins = await bin_locations(conn, {item.sku for ob in outbounds for item in ob.items})
    return [_board_entry(ob, bins) for ob in outbounds]


async def bin_locations(conn: AsyncConnection, skus: Collection[str]) -> dict[str, str]:
    """Bin location per SKU the catalogue knows (unknown SKUs are left out)."""
    if not skus:
        return {}
    query = select(products.c.sku, products.c.bin_location).where(products.c.sku.in_(sorted(skus)))
    return {row.sku: row.bin_location for row in await conn.execute(query)}


def _board_entry(ob: OutboundOrder, bins: Mapping[str, str]) -> BoardEntry:
    assert ob.created_at is not None  # read from the table
    return BoardEntry(
        outbound_id=ob.outbound_id,
        order_id=ob.order_id,
        channel=ob.channel,
        channel_order_no=ob.channel_order_no,
        status=ob.status,
        zone=ob.zone,
        ship_deadline=ob.ship_deadline,
        carrier=ob.carrier,
        waybill_no=ob.waybill_no,
        receiver_name=ob.receiver.name,
        receiver_phone_masked=ob.receiver.masked_phone,
        receiver_address=ob.receiver.full_address,
        lines=tuple(BoardLine(i.sku, i.title, i.quantity, bins.get(i.sku, "")) for i in ob.items),
        buyer_remark=ob.buyer_remark,
        seller_memo=ob.seller_memo,
        gift_note=ob.gift_note,
        remark_flags=ob.remark_flags,
        created_at=ob.created_at,
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

"""The board (看板) and the paper: what the warehouse reads of the open outbound orders. The
pick-list flow reuses load_board_entries."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.outbound.model import OPEN_STATUSES, OutboundOrder, OutboundStatus, Zone
from fulfillment.outbound.repository.outbound_rows import from_row
from fulfillment.tables import outbound_orders, products


@dataclass(frozen=True)
class BoardLine:
    sku: str
    title: str
    quantity: int
    bin_location: str  # "" for a SKU the catalogue does not know (or knows without a bin)
    catalogued: bool  # False: the SKU is not in the catalogue (shown as such; it ships as in-stock)


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
    outbounds = [from_row(row) for row in (await conn.execute(query)).mappings()]
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
        lines=tuple(BoardLine(i.sku, i.title, i.quantity, bins.get(i.sku, ""), i.sku in bins) for i in ob.items),
        buyer_remark=ob.buyer_remark,
        seller_memo=ob.seller_memo,
        gift_note=ob.gift_note,
        remark_flags=ob.remark_flags,
        created_at=ob.created_at,
    )

"""The warehouse board: open outbound orders by urgency, in their zones, with every remark."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_contracts.timezone import now_shanghai
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from fulfillment.deps import Deps, Warehouse
from fulfillment.outbound.model import Zone
from fulfillment.outbound.service.board import BoardRow, read_board

router = APIRouter(prefix="/v1", tags=["board"])


class BoardLineOut(BaseModel):
    sku: str
    title: str
    quantity: int
    bin_location: str  # "" when the catalogue has no bin for the SKU
    catalogued: bool  # false: an SKU the catalogue does not know (未建档)


class BoardItemOut(BaseModel):
    outbound_id: str
    order_id: str
    channel: str
    channel_order_no: str
    status: str
    zone: str
    ship_deadline: datetime
    minutes_left: int
    time_left_text: str
    overdue: bool
    urgent: bool
    carrier: str
    waybill_no: str
    receiver_name: str
    receiver_phone: str  # masked
    receiver_address: str
    items: list[BoardLineOut]
    buyer_remark: str
    seller_memo: str
    gift_note: str
    remark_flags: list[str]

    @classmethod
    def of(cls, row: BoardRow) -> BoardItemOut:
        e = row.entry
        return cls(
            outbound_id=e.outbound_id,
            order_id=e.order_id,
            channel=e.channel,
            channel_order_no=e.channel_order_no,
            status=e.status.value,
            zone=e.zone.value,
            ship_deadline=e.ship_deadline,
            minutes_left=row.minutes_left,
            time_left_text=row.time_left_text,
            overdue=row.overdue,
            urgent=row.urgent,
            carrier=e.carrier,
            waybill_no=e.waybill_no,
            receiver_name=e.receiver_name,
            receiver_phone=e.receiver_phone_masked,
            receiver_address=e.receiver_address,
            items=[
                BoardLineOut(
                    sku=i.sku, title=i.title, quantity=i.quantity, bin_location=i.bin_location, catalogued=i.catalogued
                )
                for i in e.lines
            ],
            buyer_remark=e.buyer_remark,
            seller_memo=e.seller_memo,
            gift_note=e.gift_note,
            remark_flags=list(e.remark_flags),
        )


class BoardOut(BaseModel):
    generated_at: datetime
    overdue: int
    urgent: int
    in_stock: list[BoardItemOut]  # 现货区, most urgent first
    presale: list[BoardItemOut]  # 预售区, most urgent first


@router.get("/board")
async def board(
    db: DatabaseDep,
    deps: Deps,
    _: Warehouse,
    zone: Zone | None = None,
    carrier: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> BoardOut:
    """Every outbound order not yet shipped, most urgent first (time left to its deadline)."""
    urgent_within = timedelta(hours=deps.settings.urgent_within_hours)
    async with db.read() as conn:
        found = await read_board(
            conn, now=now_shanghai(), urgent_within=urgent_within, zone=zone, carrier=carrier, limit=limit
        )
    rows = found.in_stock + found.presale
    return BoardOut(
        generated_at=found.generated_at,
        overdue=sum(r.overdue for r in rows),
        urgent=sum(r.urgent for r in rows),
        in_stock=[BoardItemOut.of(r) for r in found.in_stock],
        presale=[BoardItemOut.of(r) for r in found.presale],
    )

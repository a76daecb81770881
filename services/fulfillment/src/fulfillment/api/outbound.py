"""Outbound orders by order ID: status, carrier and waybill, and why there is none yet."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_contracts.order import LineItem
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from fulfillment.deps import AnyStaff
from fulfillment.outbound.model import OutboundOrder
from fulfillment.outbound.repository import outbounds_for_order
from fulfillment.outbound.repository.cancellations import is_cancelled
from fulfillment.outbound.repository.holds import active_hold
from fulfillment.outbound.repository.waiting import waiting_order

router = APIRouter(prefix="/v1", tags=["outbound"])


class ReceiverOut(BaseModel):
    name: str
    phone: str  # masked: staff screens do not need the full number
    address: str


class OutboundOut(BaseModel):
    outbound_id: str
    order_id: str
    status: str
    carrier: str
    waybill_no: str
    ship_deadline: datetime
    receiver: ReceiverOut
    items: list[LineItem]
    buyer_remark: str
    seller_memo: str
    created_at: datetime | None
    updated_at: datetime | None
    zone: str  # in_stock | presale
    channel: str
    channel_order_no: str
    gift_note: str
    remark_flags: list[str]
    shipped_at: datetime | None

    @classmethod
    def of(cls, o: OutboundOrder) -> OutboundOut:
        receiver = ReceiverOut(name=o.receiver.name, phone=o.receiver.masked_phone, address=o.receiver.full_address)
        return cls(
            outbound_id=o.outbound_id,
            order_id=o.order_id,
            status=o.status.value,
            carrier=o.carrier,
            waybill_no=o.waybill_no,
            ship_deadline=o.ship_deadline,
            receiver=receiver,
            items=list(o.items),
            buyer_remark=o.buyer_remark,
            seller_memo=o.seller_memo,
            created_at=o.created_at,
            updated_at=o.updated_at,
            zone=o.zone.value,
            channel=o.channel,
            channel_order_no=o.channel_order_no,
            gift_note=o.gift_note,
            remark_flags=list(o.remark_flags),
            shipped_at=o.shipped_at,
        )


class OrderFulfillmentOut(BaseModel):
    order_id: str
    items: list[OutboundOut]  # one per parcel (a mixed order has two), in-stock first
    awaiting_stock: bool
    on_hold: bool
    cancelled: bool


@router.get("/outbound")
async def list_outbound(
    order_id: Annotated[str, Query(min_length=1, max_length=100)], db: DatabaseDep, _: AnyStaff
) -> OrderFulfillmentOut:
    """The order's outbound orders (empty when none exists yet) and what holds it back."""
    async with db.read() as conn:
        outbounds = await outbounds_for_order(conn, order_id)
        waiting = await waiting_order(conn, order_id)
        hold = await active_hold(conn, order_id)
        cancelled = await is_cancelled(conn, order_id)
    return OrderFulfillmentOut(
        order_id=order_id,
        items=[OutboundOut.of(o) for o in outbounds],
        awaiting_stock=waiting is not None,
        on_hold=hold is not None,
        cancelled=cancelled,
    )

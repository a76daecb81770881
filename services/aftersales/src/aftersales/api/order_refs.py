"""Order references: what aftersales knows of an order, for opening a return."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from orderhub_contracts.phone import mask_phone
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from aftersales.deps import Staff
from aftersales.order_refs import service
from aftersales.order_refs.model import OrderRef

router = APIRouter(prefix="/v1", tags=["aftersales"])


class OrderRefOut(BaseModel):
    order_id: str
    channel: str
    receiver_name: str
    receiver_phone: str  # masked
    items: list[dict[str, Any]]
    placed_at: str  # ISO 8601
    waybill_no: str | None
    carrier: str | None

    @classmethod
    def of(cls, ref: OrderRef) -> OrderRefOut:
        return cls(
            order_id=ref.order_id,
            channel=ref.channel,
            receiver_name=ref.receiver_name,
            receiver_phone=mask_phone(ref.receiver_phone),
            items=ref.items,
            placed_at=ref.placed_at.isoformat(),
            waybill_no=ref.waybill_no,
            carrier=ref.carrier,
        )


@router.get("/order-refs/{order_id}")
async def get_order_ref(order_id: str, db: DatabaseDep, _: Staff) -> OrderRefOut:
    """What aftersales knows of an order (items, receiver, waybill) for opening a return."""
    async with db.read() as conn:
        ref = await service.order_ref(conn, order_id)
    return OrderRefOut.of(ref)

"""The mini-program customer's changes to their own orders (cancel before shipping, change the
address) and their coupons. Someone else's order looks like no order (404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import NotFound
from pydantic import BaseModel, ConfigDict, Field

from ingest.api.changes import AddressOut, CancelOut, receiver_of
from ingest.api.miniprogram import Customer, ReceiverIn
from ingest.api.schemas import ReceiverIn as StaffReceiverIn
from ingest.changes import service
from ingest.changes.model import AddressChanged, Cancelled, CancelOrder, ChangeAddress
from ingest.channels.miniprogram import repository as mp
from ingest.deps import Deps
from ingest.wallet.service import customer_coupons

router = APIRouter(prefix="/v1/miniprogram", tags=["mini-program"])


class CustomerCancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="客户取消", max_length=500)


class CustomerAddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receiver: ReceiverIn
    reason: str = Field(default="客户修改地址", max_length=500)


class CouponView(BaseModel):
    coupon_code: str
    amount_fen: int
    currency: str
    valid_until: datetime
    used: bool
    redeemed_order_id: str


async def _own(tx: Tx, order_id: str, openid: str) -> None:
    if await mp.owner_of(tx.conn, order_id) != openid:
        raise NotFound(f"没有您的订单 {order_id}", details={"order_id": order_id})


@router.post("/orders/{order_id}/cancel", response_model=CancelOut)
async def cancel_my_order(order_id: str, db: DatabaseDep, openid: Customer, body: CustomerCancelIn) -> CancelOut:
    """Cancel one of your orders before it ships (409 once shipped: ask for a return)."""

    async def work(tx: Tx) -> Cancelled:
        await _own(tx, order_id, openid)
        return await service.cancel_order(tx, CancelOrder(order_id, body.reason, "customer"))

    result = await db.run_in_transaction(work)
    return CancelOut(order_id=order_id, already_cancelled=result.already)


@router.post("/orders/{order_id}/address", response_model=AddressOut)
async def change_my_address(
    order_id: str, body: CustomerAddressIn, db: DatabaseDep, deps: Deps, openid: Customer
) -> AddressOut:
    """Change the address of one of your orders: the answer says what happened (changed,
    intercepted, or reordered with a compensation coupon)."""
    window = timedelta(seconds=deps.settings.address_freeze_window_s)
    receiver = receiver_of(StaffReceiverIn(**body.receiver.model_dump()))
    command = ChangeAddress(order_id, receiver, body.reason, "customer", datetime.now(UTC))

    async def work(tx: Tx) -> AddressChanged:
        await _own(tx, order_id, openid)
        return await service.change_address(
            tx, command, freeze_window=window, intercept_carriers=deps.settings.address_intercept_carriers
        )

    return AddressOut.of(await db.run_in_transaction(work))


@router.get("/coupons", response_model=list[CouponView])
async def my_coupons(db: DatabaseDep, openid: Customer) -> list[CouponView]:
    """Your coupons, used ones included."""
    async with db.read() as conn:
        return [
            CouponView(
                coupon_code=c.coupon_code,
                amount_fen=c.amount_fen,
                currency=c.currency,
                valid_until=c.valid_until,
                used=c.used,
                redeemed_order_id=c.redeemed_order_id,
            )
            for c in await customer_coupons(conn, openid)
        ]

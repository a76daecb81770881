"""The mini-program's own API: log in (wx.login code → session through WeChat code2session), place
an order (unpaid until WeChat Pay's notification says otherwise), pay, ask for a payment check after
the payment sheet closes, and see one's own orders. Customers carry `Authorization: Bearer <session
token>`; they only ever see their own orders."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.phone import normalize_phone
from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.app import DatabaseDep, get_context
from orderhub_runtime.errors import Unauthorized
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from ingest.channels.miniprogram import service
from ingest.channels.miniprogram.model import Checkout, CustomerOrder, PlaceCustomerOrder
from ingest.deps import Deps
from ingest.orders.model import PlaceOrder
from ingest.orders.text import refuse_bidi_controls
from ingest.tracking import TrackingView

router = APIRouter(prefix="/v1/miniprogram", tags=["mini-program"])


class LoginIn(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="the code from wx.login()")


class SessionOut(BaseModel):
    token: str
    expires_at: datetime


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64, pattern=r"\S")
    title: str = Field(min_length=1, max_length=200)
    quantity: StrictInt = Field(ge=1, le=999)
    unit_price_fen: StrictInt = Field(ge=0)


class ReceiverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=5, max_length=30)
    province: str = Field(min_length=1, max_length=50)
    city: str = Field(min_length=1, max_length=50)
    district: str = Field(default="", max_length=50)
    street: str = Field(default="", max_length=100)
    detail: str = Field(min_length=1, max_length=200)

    @field_validator("*", mode="after")
    @classmethod
    def _no_bidi_controls(cls, value: str) -> str:
        return refuse_bidi_controls(value)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    receiver: ReceiverIn
    buyer_remark: str = Field(default="", max_length=500)

    @field_validator("buyer_remark", mode="after")
    @classmethod
    def _no_bidi_controls(cls, value: str) -> str:
        return refuse_bidi_controls(value)


class CustomerOrderView(BaseModel):
    order_id: str
    out_trade_no: str = Field(description="the WeChat Pay out_trade_no to pay this order with")
    amount_fen: int
    status: str
    paid: bool
    created_at: datetime
    receiver_name: str
    receiver_phone: str  # masked
    address: str
    buyer_remark: str
    tracking: TrackingView | None = Field(default=None, description="最新物流: the parcel's latest checkpoint")
    payment: dict[str, str] | None = Field(
        default=None, description="parameters for wx.requestPayment (timeStamp, nonceStr, package, signType, paySign)"
    )

    @classmethod
    def of(cls, order: CustomerOrder, payment: dict[str, str] | None = None) -> CustomerOrderView:
        return cls(
            order_id=order.order_id,
            out_trade_no=order.out_trade_no,
            amount_fen=order.amount_fen,
            status=order.status,
            paid=order.paid,
            created_at=order.created_at,
            receiver_name=order.receiver_name,
            receiver_phone=order.receiver_phone,
            address=order.address,
            buyer_remark=order.buyer_remark,
            tracking=order.tracking,
            payment=payment,
        )

    @classmethod
    def of_checkout(cls, checkout: Checkout) -> CustomerOrderView:
        return cls.of(checkout.order, checkout.payment)


async def current_customer(request: Request) -> str:
    """The openid behind the caller's session token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a mini-program session token is required (Authorization: Bearer <token>)")
    async with get_context(request).db.read() as conn:
        return await service.customer_of(conn, token.strip())


Customer = Annotated[str, Depends(current_customer)]


@router.post("/session", response_model=SessionOut, responses={401: {"description": "code refused by WeChat"}})
async def login(body: LoginIn, db: DatabaseDep, deps: Deps) -> SessionOut:
    """Exchange the wx.login code for a session token (WeChat code2session). The session_key stays here."""
    token, expires_at = await service.open_session(db, deps, body.code)
    return SessionOut(token=token, expires_at=expires_at)


def _trade_no(now: datetime) -> str:
    """Channel order number and WeChat Pay out_trade_no (6-32 alphanumerics), unique per order."""
    return "MP" + now.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def to_command(body: OrderIn, openid: str, shop_id: str, idempotency_key: str | None) -> PlaceCustomerOrder:
    now = datetime.now(UTC)
    r = body.receiver
    order = PlaceOrder(
        channel=Channel.MINIPROGRAM,
        channel_order_no=_trade_no(now),
        created_at=now,
        receiver=Receiver(
            name=r.name,
            phone=normalize_phone(r.phone),
            province=r.province,
            city=r.city,
            district=r.district,
            street=r.street,
            detail=r.detail,
        ),
        items=tuple(
            LineItem(sku=i.sku, title=i.title, quantity=i.quantity, unit_price_fen=i.unit_price_fen) for i in body.items
        ),
        shop_id=shop_id,
        buyer_remark=body.buyer_remark,
    )
    return PlaceCustomerOrder(openid=openid, order=order, idempotency_key=idempotency_key)


@router.post(
    "/orders",
    status_code=201,
    response_model=CustomerOrderView,
    responses={200: {"description": "A retry with the same Idempotency-Key: the order it placed."}},
)
async def place_order(
    body: OrderIn,
    response: Response,
    db: DatabaseDep,
    deps: Deps,
    openid: Customer,
    idempotency_key: Annotated[str | None, Header(max_length=64, pattern=r"^[\x21-\x7e]+$")] = None,
) -> CustomerOrderView:
    """Place an order, unpaid: it counts as paid only once WeChat Pay's signed notification arrives
    (or WeChat Pay confirms the payment when asked). Send an `Idempotency-Key` header and a retried
    request returns the order the first one placed."""
    command = to_command(body, openid, deps.settings.miniprogram_app_key, idempotency_key)
    checkout = await service.checkout(db, deps, command)
    if not checkout.created:
        response.status_code = 200
    return CustomerOrderView.of_checkout(checkout)


@router.get("/orders", response_model=list[CustomerOrderView])
async def my_orders(db: DatabaseDep, openid: Customer) -> list[CustomerOrderView]:
    """The caller's orders, newest first."""
    async with db.read() as conn:
        return [CustomerOrderView.of(o) for o in await service.customer_orders(conn, openid)]


@router.get("/orders/{order_id}", response_model=CustomerOrderView)
async def my_order(order_id: str, db: DatabaseDep, openid: Customer) -> CustomerOrderView:
    """One of the caller's orders, as recorded (read only: after the payment sheet closes, ask
    `POST .../payment-check` first)."""
    async with db.read() as conn:
        return CustomerOrderView.of(await service.customer_order(conn, order_id, openid))


@router.post(
    "/orders/{order_id}/payment",
    response_model=CustomerOrderView,
    responses={409: {"description": "already paid"}, 503: {"description": "WeChat Pay unavailable"}},
)
async def prepare_payment(order_id: str, db: DatabaseDep, deps: Deps, openid: Customer) -> CustomerOrderView:
    """(Again) the wx.requestPayment parameters of an unpaid order of the caller's."""
    return CustomerOrderView.of_checkout(await service.prepare_payment(db, deps, order_id, openid))


@router.post("/orders/{order_id}/payment-check", response_model=CustomerOrderView)
async def check_payment(order_id: str, db: DatabaseDep, deps: Deps, openid: Customer) -> CustomerOrderView:
    """Call after wx.requestPayment's sheet closes: an unpaid order that went to payment is checked
    with WeChat Pay (so a lost or late notification costs nothing) and the order is answered."""
    return CustomerOrderView.of(await service.check_customer_payment(db, deps, order_id, openid))

"""The mini-program's own API: log in (wx.login code → session through WeChat code2session), place
an order (unpaid until WeChat Pay's notification says otherwise) and see one's own orders. Customers
carry `Authorization: Bearer <session token>`; they only ever see their own orders."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from orderhub_contracts.address import Receiver
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.phone import mask_phone, normalize_phone
from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.app import ContextDep, ServiceContext, get_context
from orderhub_runtime.errors import Conflict, DomainError, NotFound, Unauthorized
from orderhub_runtime.logging import get_logger
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.channels.base import PlatformError
from ingest.channels.hub import get_hub
from ingest.channels.miniprogram import store
from ingest.channels.miniprogram.config import service_pay_config
from ingest.channels.miniprogram.payapi import jsapi_prepay, payment_params
from ingest.channels.miniprogram.payments import check_payment
from ingest.channels.miniprogram.weixin import LoginRefused, code2session
from ingest.orders.commands import PlaceOrder
from ingest.orders.intake import accept_order
from ingest.orders.repository import get_order_row
from ingest.orders.timeline_repository import tracking_entries
from ingest.settings import IngestSettings
from ingest.tables import order_items
from ingest.tracking import TrackingView, latest_tracking

router = APIRouter(prefix="/v1/miniprogram", tags=["mini-program"])
log = get_logger(__name__)
MAX_LIST = 50


class WeChatUnavailable(DomainError):
    status_code = 503
    code = "wechat_unavailable"


class NothingToPay(DomainError):
    status_code = 422
    code = "invalid_request"


class SessionOwnerOut(BaseModel):
    openid: str


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


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    receiver: ReceiverIn
    buyer_remark: str = Field(default="", max_length=500)


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


def _settings(ctx: ServiceContext[IngestSettings]) -> IngestSettings:
    settings = ctx.spec.settings
    if not isinstance(settings, IngestSettings):
        raise TypeError("ingest runs with IngestSettings")
    return settings


async def current_customer(request: Request) -> str:
    """The openid behind the caller's session token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a mini-program session token is required (Authorization: Bearer <token>)")
    ctx = get_context(request)
    async with ctx.db.transaction() as tx:
        openid = await store.session_openid(tx.conn, token.strip())
    if openid is None:
        raise Unauthorized("unknown or expired session: log in again")
    return openid


Customer = Annotated[str, Depends(current_customer)]


@router.get("/session", responses={401: {"description": "unknown or expired session"}})
async def session_owner(openid: Customer) -> SessionOwnerOut:
    """Who the caller's session token belongs to: lets the other services (aftersales' returns)
    accept the customer's own token without reading ingest's sessions."""
    return SessionOwnerOut(openid=openid)


@router.post("/session", response_model=SessionOut, responses={401: {"description": "code refused by WeChat"}})
async def login(body: LoginIn, request: Request, ctx: ContextDep) -> SessionOut:
    """Exchange the wx.login code for a session token (WeChat code2session). The session_key stays here."""
    settings = _settings(ctx)
    try:
        session = await code2session(
            get_hub(ctx).http,
            base_url=settings.miniprogram_base_url.rstrip("/"),
            appid=settings.miniprogram_app_key,
            secret=settings.miniprogram_app_secret.get_secret_value(),
            code=body.code,
        )
    except LoginRefused as exc:
        raise Unauthorized(
            f"WeChat refused the login code ({exc.errcode}): call wx.login again", details={"errcode": exc.errcode}
        ) from exc
    except PlatformError as exc:
        raise WeChatUnavailable("WeChat login is unavailable right now; try again shortly") from exc
    async with ctx.db.transaction(correlation_id=request.state.correlation_id) as tx:
        token, expires_at = await store.open_session(
            tx.conn, openid=session.openid, session_key=session.session_key, ttl_s=settings.miniprogram_session_ttl_s
        )
    return SessionOut(token=token, expires_at=expires_at)


def _trade_no(now: datetime) -> str:
    """Channel order number and WeChat Pay out_trade_no (6-32 alphanumerics), unique per order."""
    return "MP" + now.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


@router.post(
    "/orders",
    status_code=201,
    response_model=CustomerOrderView,
    responses={200: {"description": "A retry with the same Idempotency-Key: the order it placed."}},
)
async def place_order(
    body: OrderIn,
    request: Request,
    response: Response,
    ctx: ContextDep,
    openid: Customer,
    idempotency_key: Annotated[str | None, Header(max_length=64, pattern=r"^[\x21-\x7e]+$")] = None,
) -> CustomerOrderView:
    """Place an order, unpaid: it counts as paid only once WeChat Pay's signed notification arrives.
    Send an `Idempotency-Key` header and a retried request returns the order the first one placed."""
    now = datetime.now(UTC)
    number = _trade_no(now)
    r = body.receiver
    command = PlaceOrder(
        channel=Channel.MINIPROGRAM,
        channel_order_no=number,
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
        shop_id=_settings(ctx).miniprogram_app_key,
        buyer_remark=body.buyer_remark,
        buyer_id=openid,
    )
    if command.to_order("-").paid_total_fen <= 0:  # WeChat Pay takes no zero-amount payment
        raise NothingToPay("the order total must be more than 0 fen", details={"field": "items"})
    async with ctx.db.transaction(correlation_id=request.state.correlation_id) as tx:
        earlier = await store.order_for_request(tx.conn, openid, idempotency_key) if idempotency_key else None
        if earlier is None:
            accepted = await accept_order(tx, command)
            amount = command.to_order(accepted.order_id).paid_total_fen
            await store.add_order(
                tx.conn,
                order_id=accepted.order_id,
                openid=openid,
                out_trade_no=number,
                amount_fen=amount,
                request_key=idempotency_key,
            )
        view = await _view(tx.conn, earlier or accepted.order_id)
    if earlier is not None:
        response.status_code = 200
        if view.paid:
            return view
    # The payment is prepared after the order is stored, with no transaction open during the call; if
    # WeChat Pay is unreachable the order stays, unpaid, and POST .../payment prepares it again.
    return view.model_copy(update={"payment": await _prepare_payment(ctx, view, openid, body.items[0].title)})


@router.get("/orders", response_model=list[CustomerOrderView])
async def my_orders(ctx: ContextDep, openid: Customer) -> list[CustomerOrderView]:
    """The caller's orders, newest first."""
    async with ctx.db.transaction() as tx:
        ids = await store.order_ids_of(tx.conn, openid, limit=MAX_LIST)
        return [await _view(tx.conn, order_id) for order_id in ids]


@router.get("/orders/{order_id}", response_model=CustomerOrderView)
async def my_order(order_id: str, ctx: ContextDep, openid: Customer) -> CustomerOrderView:
    """One of the caller's orders. An unpaid one that went to payment is checked with WeChat Pay
    first (what the mini-program asks after wx.requestPayment), so a lost notification costs nothing."""
    view = await _own_view(ctx, order_id, openid)
    if not view.paid:
        try:
            if await check_payment(ctx.db, get_hub(ctx).http, service_pay_config(ctx), order_id):
                view = await _own_view(ctx, order_id, openid)
        except PlatformError as exc:  # WeChat Pay unreachable: the notification or a later look will tell
            log.warning("miniprogram.payment_check_failed", order_id=order_id, error=str(exc))
    return view


@router.post(
    "/orders/{order_id}/payment",
    response_model=CustomerOrderView,
    responses={409: {"description": "already paid"}, 503: {"description": "WeChat Pay unavailable"}},
)
async def prepare_payment(order_id: str, ctx: ContextDep, openid: Customer) -> CustomerOrderView:
    """(Again) the wx.requestPayment parameters of an unpaid order of the caller's."""
    view = await _own_view(ctx, order_id, openid)
    if view.paid:
        raise Conflict(f"order {order_id} is already paid")
    async with ctx.db.transaction() as tx:
        title = await tx.conn.scalar(
            select(order_items.c.title)
            .where(order_items.c.order_id == order_id)
            .order_by(order_items.c.line_no)
            .limit(1)
        )
    payment = await _prepare_payment(ctx, view, openid, str(title or ""))
    if payment is None:
        raise WeChatUnavailable("WeChat Pay is unavailable right now; try again shortly")
    return view.model_copy(update={"payment": payment})


async def _own_view(ctx: ServiceContext[IngestSettings], order_id: str, openid: str) -> CustomerOrderView:
    async with ctx.db.transaction() as tx:
        if await store.owner_of(tx.conn, order_id) != openid:  # someone else's order looks like no order
            raise NotFound(f"no order {order_id!r} of yours")
        return await _view(tx.conn, order_id)


async def _prepare_payment(
    ctx: ServiceContext[IngestSettings], view: CustomerOrderView, openid: str, title: str
) -> dict[str, str] | None:
    config = service_pay_config(ctx)
    try:
        prepay_id = await jsapi_prepay(
            get_hub(ctx).http,
            config,
            out_trade_no=view.out_trade_no,
            description=title or view.order_id,
            total_fen=view.amount_fen,
            openid=openid,
        )
    except PlatformError as exc:
        log.warning("miniprogram.prepay_failed", order_id=view.order_id, error=str(exc))
        return None
    async with ctx.db.transaction() as tx:
        await store.set_prepay(tx.conn, view.order_id, prepay_id)
    return payment_params(config, prepay_id)


async def _view(conn: AsyncConnection, order_id: str) -> CustomerOrderView:
    row = await get_order_row(conn, order_id)
    mp = await store.mp_order(conn, order_id)
    if row is None or mp is None:
        raise NotFound(f"no order {order_id!r}")
    address = "".join(row[f"receiver_{p}"] for p in ("province", "city", "district", "street", "detail"))
    return CustomerOrderView(
        order_id=order_id,
        out_trade_no=mp["out_trade_no"],
        amount_fen=mp["amount_fen"],
        status=row["status"],
        paid=mp["paid_at"] is not None,
        created_at=row["created_at"],
        receiver_name=row["receiver_name"],
        receiver_phone=mask_phone(row["receiver_phone"]),
        address=address,
        buyer_remark=row["buyer_remark"],
        tracking=latest_tracking(await tracking_entries(conn, order_id)),
    )

"""The mini-program's use cases: sessions (wx.login code → WeChat code2session), placing an order
(unpaid until WeChat Pay says otherwise), preparing its payment, and taking the payment in, from
WeChat Pay's signed notification or, when that is lost or late, by asking WeChat Pay (after the
payment sheet closes, and periodically for recent unpaid orders).

A WeChat call never runs inside a transaction: the flows that make one (`open_session`,
`checkout`, `prepare_payment`, `check_payment`) take the database and open a short unit of work
before and after the call. The others take the transaction (or a read connection) of the caller."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
from orderhub_contracts.events import OrderPaid
from orderhub_contracts.money import format_yuan
from orderhub_contracts.phone import mask_phone
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.errors import Conflict, DomainError, NotFound, Unauthorized
from orderhub_runtime.logging import get_logger
from orderhub_runtime.loops import every
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.catalogue.service import price_lines
from ingest.channels.base import PlatformError, PushRejected
from ingest.channels.miniprogram import repository
from ingest.channels.miniprogram.model import Checkout, CustomerOrder, PlaceCustomerOrder
from ingest.channels.miniprogram.payapi import jsapi_prepay, payment_params, query_transaction
from ingest.channels.miniprogram.wechatpay import PayConfig, Payment, parse_notification, successful_payment
from ingest.channels.miniprogram.weixin import LoginRefused, code2session
from ingest.channels.repository import ACCEPTED, REJECTED, archive_push
from ingest.channels.service import apply_change
from ingest.deps import IngestDeps
from ingest.orders.repository import TimelineRecord, add_timeline, get_order_row, lock_status, tracking_entries
from ingest.orders.service import accept_order
from ingest.orders.text import mask_phones
from ingest.projection.rules import Outcome
from ingest.timeline import TimelineEntry
from ingest.tracking import latest_tracking
from ingest.wallet.service import redeemed, take_coupon

log = get_logger(__name__)
CHANNEL = "miniprogram"
MAX_LIST = 50
RECONCILE_BATCH = 100


class WeChatUnavailable(DomainError):
    status_code = 503
    code = "wechat_unavailable"


class NothingToPay(DomainError):
    status_code = 422
    code = "invalid_request"


# --- Sessions -------------------------------------------------------------------------------------


async def customer_of(conn: AsyncConnection, token: str) -> str:
    """The openid behind a session token."""
    openid = await repository.session_openid(conn, token)
    if openid is None:
        raise Unauthorized("unknown or expired session: log in again")
    return openid


async def open_session(db: Database, deps: IngestDeps, code: str) -> tuple[str, datetime]:
    """Exchange the wx.login code for a session token (WeChat code2session); the session_key stays here."""
    settings = deps.settings
    try:
        session = await code2session(
            deps.hub.http,
            base_url=settings.miniprogram_base_url.rstrip("/"),
            appid=settings.miniprogram_app_key,
            secret=settings.miniprogram_app_secret.get_secret_value(),
            code=code,
        )
    except LoginRefused as exc:
        raise Unauthorized(
            f"WeChat refused the login code ({exc.errcode}): call wx.login again", details={"errcode": exc.errcode}
        ) from exc
    except PlatformError as exc:
        raise WeChatUnavailable("WeChat login is unavailable right now; try again shortly") from exc
    return await db.run_in_transaction(
        lambda tx: repository.open_session(
            tx.conn, openid=session.openid, session_key=session.session_key, ttl_s=settings.miniprogram_session_ttl_s
        )
    )


# --- Orders ---------------------------------------------------------------------------------------


async def place_order(tx: Tx, command: PlaceCustomerOrder) -> tuple[CustomerOrder, bool]:
    """Place the order (or find the one an earlier request with the same key placed); answers it and
    whether it is new. Each line is charged the catalogue's list price (`price_lines`)."""
    key = command.idempotency_key
    earlier = await repository.order_for_request(tx.conn, command.openid, key) if key else None
    if earlier is not None:
        return await order_view(tx.conn, earlier), False
    order = command.order
    if command.wanted:
        order = replace(order, items=await price_lines(tx.conn, command.wanted))
    now = datetime.now(UTC)
    if command.coupon_code:
        discount = await take_coupon(tx, command.coupon_code, command.openid, now=now)
        total = order.to_order("-").paid_total_fen
        discount = discount.model_copy(update={"amount_fen": max(min(discount.amount_fen, total - 1), 0)})
        order = replace(
            order, discount_fen=order.discount_fen + discount.amount_fen, discounts=(*order.discounts, discount)
        )
    if order.to_order("-").paid_total_fen <= 0:  # WeChat Pay takes no zero-amount payment
        raise NothingToPay("the order total must be more than 0 fen", details={"field": "items"})
    accepted = await accept_order(tx, order)
    if command.coupon_code:
        await redeemed(tx, command.coupon_code, accepted.order_id, now=now)
    await repository.add_order(
        tx.conn,
        order_id=accepted.order_id,
        openid=command.openid,
        out_trade_no=order.channel_order_no,
        amount_fen=order.to_order(accepted.order_id).paid_total_fen,
        request_key=key,
    )
    return await order_view(tx.conn, accepted.order_id), True


async def checkout(db: Database, deps: IngestDeps, command: PlaceCustomerOrder) -> Checkout:
    """Place the order, then prepare its payment. The payment is prepared after the order is stored,
    with no transaction open during the call; if WeChat Pay is unreachable the order stays, unpaid,
    and `prepare_payment` prepares it again."""
    order, created = await db.run_in_transaction(lambda tx: place_order(tx, command))
    if order.paid:
        return Checkout(order, None, created)
    async with db.read() as conn:
        title = await repository.first_title(conn, order.order_id)
    return Checkout(order, await _payment(db, deps, order, command.openid, title), created)


async def customer_orders(conn: AsyncConnection, openid: str) -> list[CustomerOrder]:
    """The customer's orders, newest first."""
    return [
        await order_view(conn, order_id) for order_id in await repository.order_ids_of(conn, openid, limit=MAX_LIST)
    ]


async def customer_order(conn: AsyncConnection, order_id: str, openid: str) -> CustomerOrder:
    if await repository.owner_of(conn, order_id) != openid:  # someone else's order looks like no order
        raise NotFound(f"no order {order_id!r} of yours")
    return await order_view(conn, order_id)


async def order_view(conn: AsyncConnection, order_id: str) -> CustomerOrder:
    row = await get_order_row(conn, order_id)
    mp = await repository.mp_order(conn, order_id)
    if row is None or mp is None:
        raise NotFound(f"no order {order_id!r}")
    address = "".join(row[f"receiver_{p}"] for p in ("province", "city", "district", "street", "detail"))
    return CustomerOrder(
        order_id=order_id,
        out_trade_no=mp["out_trade_no"],
        amount_fen=mp["amount_fen"],
        status=row["status"],
        paid=mp["paid_at"] is not None,
        created_at=row["created_at"],
        receiver_name=row["receiver_name"],
        receiver_phone=mask_phone(row["receiver_phone"]),
        address=address,
        buyer_remark=mask_phones(row["buyer_remark"]),  # as in every list: typed-in numbers masked
        tracking=latest_tracking(await tracking_entries(conn, order_id)),
    )


# --- Payment --------------------------------------------------------------------------------------


async def prepare_payment(db: Database, deps: IngestDeps, order_id: str, openid: str) -> Checkout:
    """(Again) the wx.requestPayment parameters of an unpaid order of the customer's."""
    async with db.read() as conn:
        order = await customer_order(conn, order_id, openid)
        title = await repository.first_title(conn, order_id)
    if order.paid:
        raise Conflict(f"order {order_id} is already paid")
    payment = await _payment(db, deps, order, openid, title)
    if payment is None:
        raise WeChatUnavailable("WeChat Pay is unavailable right now; try again shortly")
    return Checkout(order, payment, created=False)


async def _payment(
    db: Database, deps: IngestDeps, order: CustomerOrder, openid: str, title: str
) -> dict[str, str] | None:
    try:
        prepay_id = await jsapi_prepay(
            deps.hub.http,
            deps.pay,
            out_trade_no=order.out_trade_no,
            description=title or order.order_id,
            total_fen=order.amount_fen,
            openid=openid,
        )
    except PlatformError as exc:
        log.warning("miniprogram.prepay_failed", order_id=order.order_id, error=str(exc))
        return None
    await db.run_in_transaction(lambda tx: repository.set_prepay(tx.conn, order.order_id, prepay_id))
    return payment_params(deps.pay, prepay_id)


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    push_id: int
    accepted: bool
    reason: str = ""
    status: int = 200
    order_id: str = ""
    newly_paid: bool = False


def _check(config: PayConfig, headers: Mapping[str, str], body: bytes) -> tuple[Payment | None, str, int]:
    try:
        return parse_notification(config, headers, body, now=time.time()), "", 200
    except PushRejected as exc:
        return None, exc.reason, exc.status
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"malformed notification: {type(exc).__name__}: {exc}", 400


async def apply_payment(tx: Tx, payment: Payment) -> tuple[str, bool, str]:
    """Make the order of a verified payment paid (order.paid), once. Returns (order ID, newly paid,
    the reason it cannot be applied: unknown order, or an amount that is not the order's)."""
    row = await repository.lock_by_trade_no(tx.conn, payment.out_trade_no)
    if row is None:
        return "", False, f"out_trade_no {payment.out_trade_no!r} is not a mini-program order"
    if int(row["amount_fen"]) != payment.total_fen:
        return "", False, f"paid {payment.total_fen} fen for order {row['order_id']} of {row['amount_fen']} fen"
    order_id = str(row["order_id"])
    if row["paid_at"] is not None:  # WeChat Pay retries until answered, and a query may have been first
        return order_id, False, ""
    await repository.mark_paid(tx.conn, order_id, transaction_id=payment.transaction_id, paid_at=payment.paid_at)
    locked = await lock_status(tx.conn, order_id)
    if locked is not None and locked[0] is OrderStatus.CANCELLED:
        await _paid_after_close(tx, order_id, payment)
        return order_id, False, ""
    await apply_change(
        tx, order_id, OrderPaid(order_id=order_id, paid_at=payment.paid_at, paid_total_fen=payment.total_fen)
    )
    return order_id, True, ""


async def _paid_after_close(tx: Tx, order_id: str, payment: Payment) -> None:
    """The customer paid an order that had closed (unpaid too long, or cancelled) meanwhile: the
    payment is recorded, the order stays cancelled (no order.paid, nothing is shipped) and the
    timeline tells customer service the money must go back."""
    log.warning("miniprogram.paid_after_close", order_id=order_id, paid_fen=payment.total_fen)
    await add_timeline(
        tx.conn,
        TimelineRecord(
            order_id=order_id,
            event_id=f"paid-after-close:{payment.transaction_id}",
            event_type="miniprogram.paid_after_close",
            occurred_at=datetime.now(UTC),
            entry=TimelineEntry(
                f"订单已关闭后收到微信支付 ¥{format_yuan(payment.total_fen)}，需原路退款",
                {"transaction_id": payment.transaction_id, "paid_fen": payment.total_fen},
            ),
            outcome=Outcome.INFO,
        ),
    )


async def receive_notification(tx: Tx, config: PayConfig, headers: Mapping[str, str], body: bytes) -> NoticeOutcome:
    """A WeChat Pay notification: verify and decrypt it, check it against the order it pays (known
    out_trade_no, same amount), and only then mark the order paid, archived raw with the verdict."""
    lowered = {k.lower(): v for k, v in headers.items()}
    payment, reason, status = _check(config, lowered, body)
    order_id, newly_paid = "", False
    if payment is not None:
        order_id, newly_paid, problem = await apply_payment(tx, payment)
        if problem:
            reason, status = problem, 400
    push_id = await archive_push(
        tx.conn,
        channel=CHANNEL,
        headers=lowered,
        body=body,
        verdict=REJECTED if reason else ACCEPTED,
        reason=reason,
        notices=1 if order_id else 0,
    )
    if reason:
        log.warning("miniprogram.payment_rejected", push_id=push_id, reason=reason)
        return NoticeOutcome(push_id, accepted=False, reason=reason, status=status)
    log.info("miniprogram.payment_received", push_id=push_id, order_id=order_id, newly_paid=newly_paid)
    return NoticeOutcome(push_id, accepted=True, order_id=order_id, newly_paid=newly_paid)


async def check_payment(db: Database, http: httpx.AsyncClient, config: PayConfig, order_id: str) -> bool:
    """Ask WeChat Pay about an unpaid order that went to payment (the notification may be lost or
    late) and apply a successful payment found there. Returns whether the order is paid now."""
    async with db.read() as conn:
        row = await repository.mp_order(conn, order_id)
    if row is None or row["paid_at"] is not None or not row["prepay_id"]:
        return row is not None and row["paid_at"] is not None
    transaction = await query_transaction(http, config, str(row["out_trade_no"]))  # no transaction open
    if transaction is None or transaction.get("trade_state") != "SUCCESS":
        return False
    payment = successful_payment(config, transaction)
    _, newly_paid, problem = await db.run_in_transaction(lambda tx: apply_payment(tx, payment))
    if problem:
        log.warning("miniprogram.queried_payment_refused", order_id=order_id, reason=problem)
        return False
    log.info("miniprogram.payment_found_by_query", order_id=order_id, newly_paid=newly_paid)
    return True


async def check_customer_payment(db: Database, deps: IngestDeps, order_id: str, openid: str) -> CustomerOrder:
    """What the mini-program asks after its payment sheet closes: the order, paid if WeChat Pay has
    the payment (an unreachable WeChat Pay leaves it as it is: the notification or the reconciler
    will tell)."""
    async with db.read() as conn:
        order = await customer_order(conn, order_id, openid)
    if order.paid:
        return order
    try:
        if not await check_payment(db, deps.hub.http, deps.pay, order_id):
            return order
    except PlatformError as exc:
        log.warning("miniprogram.payment_check_failed", order_id=order_id, error=str(exc))
        return order
    async with db.read() as conn:
        return await order_view(conn, order_id)


async def reconcile_once(db: Database, deps: IngestDeps, *, now: datetime | None = None) -> int:
    """Ask WeChat Pay about each recent unpaid order that went to payment; returns how many were
    found paid. An order WeChat Pay cannot be asked about now is asked again next round."""
    window = timedelta(seconds=deps.settings.miniprogram_reconcile_window_s)
    async with db.read() as conn:
        order_ids = await repository.unpaid_since(conn, (now or datetime.now(UTC)) - window, limit=RECONCILE_BATCH)
    found = 0
    for order_id in order_ids:
        try:
            found += await check_payment(db, deps.hub.http, deps.pay, order_id)
        except PlatformError as exc:
            log.warning("miniprogram.reconcile_failed", order_id=order_id, error=str(exc))
    return found


async def reconciler(ctx: ServiceContext[IngestDeps]) -> None:
    """Background: every `miniprogram_reconcile_interval_s`, `reconcile_once`."""
    interval = ctx.deps.settings.miniprogram_reconcile_interval_s
    await every(interval, lambda: reconcile_once(ctx.db, ctx.deps), name="miniprogram.reconcile")

"""Taking in a WeChat Pay notification: verify and decrypt it, check it against the order it pays
(known out_trade_no, same amount), and only then mark the order paid and publish order.paid, in one
transaction with the raw archive row (accepted, or rejected with the reason). A notification for an
order already paid (WeChat retries until it gets a 2xx) changes nothing."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from orderhub_contracts.events import OrderPaid
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.logging import get_logger

from ingest.channels.archive import ACCEPTED, REJECTED, archive_push
from ingest.channels.base import PushRejected
from ingest.channels.intake import apply_change
from ingest.channels.miniprogram.payapi import query_transaction
from ingest.channels.miniprogram.store import lock_by_trade_no, mark_paid, mp_order
from ingest.channels.miniprogram.wechatpay import PayConfig, Payment, parse_notification, successful_payment

log = get_logger(__name__)
CHANNEL = "miniprogram"


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
    row = await lock_by_trade_no(tx.conn, payment.out_trade_no)
    if row is None:
        return "", False, f"out_trade_no {payment.out_trade_no!r} is not a mini-program order"
    if int(row["amount_fen"]) != payment.total_fen:
        return "", False, f"paid {payment.total_fen} fen for order {row['order_id']} of {row['amount_fen']} fen"
    order_id = str(row["order_id"])
    if row["paid_at"] is not None:  # WeChat Pay retries until answered, and a query may have been first
        return order_id, False, ""
    await mark_paid(tx.conn, order_id, transaction_id=payment.transaction_id, paid_at=payment.paid_at)
    await apply_change(
        tx, order_id, OrderPaid(order_id=order_id, paid_at=payment.paid_at, paid_total_fen=payment.total_fen)
    )
    return order_id, True, ""


async def receive_notification(
    db: Database, config: PayConfig, headers: Mapping[str, str], body: bytes, *, correlation_id: str = ""
) -> NoticeOutcome:
    lowered = {k.lower(): v for k, v in headers.items()}
    payment, reason, status = _check(config, lowered, body)
    order_id, newly_paid = "", False
    async with db.transaction(correlation_id=correlation_id) as tx:
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
    async with db.transaction() as tx:
        row = await mp_order(tx.conn, order_id)
    if row is None or row["paid_at"] is not None or not row["prepay_id"]:
        return row is not None and row["paid_at"] is not None
    transaction = await query_transaction(http, config, str(row["out_trade_no"]))  # no transaction open
    if transaction is None or transaction.get("trade_state") != "SUCCESS":
        return False
    payment = successful_payment(config, transaction)
    async with db.transaction(correlation_id=f"wechatpay-query-{order_id}") as tx:
        _, newly_paid, problem = await apply_payment(tx, payment)
    if problem:
        log.warning("miniprogram.queried_payment_refused", order_id=order_id, reason=problem)
        return False
    log.info("miniprogram.payment_found_by_query", order_id=order_id, newly_paid=newly_paid)
    return True

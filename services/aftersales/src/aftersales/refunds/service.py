"""Refund use cases. Booking a refund and settling it are two transactions with the provider's call
between them; the ledger makes that safe:
- one refund per ticket (the ticket row is locked, then `refunds.ticket_id` is unique): a retried,
  redelivered or concurrent request finds the refund already booked and resends *that* one;
- the refund number is the provider's out_refund_no, so a call resent after a crash is answered
  with the same refund, never a second one;
- the order's refunded total rises in the same transaction, only while it stays within what was
  paid (and a check constraint refuses anything else)."""

from __future__ import annotations

from datetime import UTC, datetime

from orderhub_contracts.order import Channel
from orderhub_contracts.return_events import ReturnRefunded
from orderhub_contracts.returns import ReturnStatus, ReturnType
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.order_refs import repository as orders
from aftersales.refunds import repository
from aftersales.refunds.model import (
    PENDING,
    PLATFORM,
    SUCCEEDED,
    WECHATPAY,
    Refund,
    RefundRequest,
    line_nets,
    refund_amount,
    units_to_refund,
)
from aftersales.tickets import repository as tickets
from aftersales.tickets.transitions import advance

log = get_logger(__name__)


class NothingToRefund(Conflict):
    code = "nothing_to_refund"


def _due(status: ReturnStatus, return_type: ReturnType) -> bool:
    if return_type is ReturnType.REFUND_ONLY:
        return status is ReturnStatus.APPROVED
    return return_type is ReturnType.RETURN_REFUND and status is ReturnStatus.RECEIVED


async def book_refund(tx: Tx, ticket_id: str) -> tuple[Refund, RefundRequest]:
    """The ticket's refund: booked now, or the one booked before (pending or done)."""
    ticket = await tickets.lock_ticket(tx.conn, ticket_id)
    if ticket is None:
        raise NotFound(f"售后工单 {ticket_id} 不存在")
    order = await orders.lock_order_ref(tx.conn, ticket.order_id)
    if order is None:
        raise NotFound(f"订单 {ticket.order_id} 不存在")
    earlier = await repository.refund_of_ticket(tx.conn, ticket_id, lock=True)
    if earlier is not None:
        return earlier, _request(earlier, order.paid_fen, order.channel_order_no, ticket.reason)
    if not _due(ticket.status, ticket.return_type):
        raise Conflict(f"工单状态为 {ticket.status.value}，现在不能退款", details={"status": ticket.status.value})
    units = units_to_refund(ticket.return_type, ticket.lines, ticket.received)
    before = await repository.refunded_units(tx.conn, order.order_id)
    computed = refund_amount(line_nets(order.items, order.discount_fen), units, before)
    amount = min(computed, order.paid_fen - order.refunded_fen)
    if amount <= 0:
        raise NothingToRefund(
            "没有可退的金额", details={"paid_fen": order.paid_fen, "refunded_fen": order.refunded_fen}
        )
    if not await orders.add_refunded(tx.conn, order.order_id, amount):
        raise NothingToRefund("退款会超过实付金额")
    refund = Refund(
        refund_no=f"RF{ticket.ticket_id}",
        ticket_id=ticket.ticket_id,
        order_id=order.order_id,
        amount_fen=amount,
        currency=order.currency,
        method=WECHATPAY if order.channel == Channel.MINIPROGRAM.value else PLATFORM,
        status=PENDING,
        provider_refund_id="",
        lines=units,
    )
    await repository.insert_refund(tx.conn, refund)
    log.info("refund.booked", ticket_id=ticket_id, order_id=order.order_id, amount_fen=amount, method=refund.method)
    return refund, _request(refund, order.paid_fen, order.channel_order_no, ticket.reason)


def _request(refund: Refund, total_fen: int, out_trade_no: str, reason: str) -> RefundRequest:
    return RefundRequest(
        refund_no=refund.refund_no,
        out_trade_no=out_trade_no,
        amount_fen=refund.amount_fen,
        total_fen=total_fen,
        currency=refund.currency,
        reason=(reason or "售后退款")[:80],
    )


async def count_attempt(tx: Tx, refund_no: str) -> None:
    await repository.count_attempt(tx.conn, refund_no)


async def settle_refund(tx: Tx, ticket_id: str, provider_refund_id: str) -> bool:
    """The provider confirmed the refund: the ticket is refunded (and closed). False when it was
    already settled (a second confirmation changes nothing)."""
    ticket = await tickets.lock_ticket(tx.conn, ticket_id)
    refund = await repository.refund_of_ticket(tx.conn, ticket_id, lock=True)
    if ticket is None or refund is None or refund.status == SUCCEEDED:
        return False
    now = datetime.now(UTC)
    await repository.mark_succeeded(tx.conn, refund.refund_no, provider_refund_id, now)
    await advance(
        tx,
        ticket,
        ReturnStatus.REFUNDED,
        ReturnRefunded,
        actor="system",
        values={"refunded_at": now},
        fields={
            "refund_fen": refund.amount_fen,
            "currency": refund.currency,
            "refund_no": refund.refund_no,
            "method": refund.method,
        },
    )
    log.info("refund.settled", ticket_id=ticket_id, order_id=refund.order_id, amount_fen=refund.amount_fen)
    return True


async def settle_notified(tx: Tx, refund_no: str, provider_refund_id: str) -> bool:
    """WeChat Pay's result notification said SUCCESS for this refund number."""
    ticket_id = await repository.ticket_of_refund(tx.conn, refund_no)
    if ticket_id is None:
        log.warning("refund.notified_unknown", refund_no=refund_no)
        return False
    return await settle_refund(tx, ticket_id, provider_refund_id)


async def awaiting_refund(conn: AsyncConnection, limit: int) -> list[str]:
    return await repository.tickets_awaiting_refund(conn, limit)


async def ledger(conn: AsyncConnection, order_id: str | None, limit: int = 200) -> list[Refund]:
    return await repository.ledger(conn, order_id, limit)


async def refund_of(conn: AsyncConnection, ticket_id: str) -> Refund | None:
    return await repository.refund_of_ticket(conn, ticket_id)

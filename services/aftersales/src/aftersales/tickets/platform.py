"""Platform after-sales: a refund the platform made (order.refunded from a channel, no ticket of
ours) becomes a refund-only ticket in the same queue, marked with the platform's case and status,
and its refund goes into the ledger as the platform's (method `platform`) — capped, like any
refund, at what is left of what was paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orderhub_contracts.events import AfterSalesCaseOpened
from orderhub_contracts.return_events import ReturnApproved, ReturnRefunded, ReturnRequested
from orderhub_contracts.returns import ReturnStatus, ReturnType
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from aftersales.order_refs import repository as orders
from aftersales.refunds import repository as ledger
from aftersales.refunds.model import PLATFORM, SUCCEEDED, Refund
from aftersales.routing.service import route_ticket
from aftersales.tickets import repository
from aftersales.tickets.model import Ticket
from aftersales.tickets.service import new_ticket_id
from aftersales.tickets.transitions import advance, event_fields

log = get_logger(__name__)
PLATFORM_REFUNDED = "platform_refunded"


@dataclass(frozen=True)
class RecordPlatformRefund:
    order_id: str
    refund_fen: int
    reason: str  # the platform's status, as the channel adapter saw it
    case_no: str  # the platform's case, once per case
    platform_status: str = PLATFORM_REFUNDED  # the platform's own status of it


async def record_platform_refund(tx: Tx, command: RecordPlatformRefund) -> Ticket | None:
    order = await orders.lock_order_ref(tx.conn, command.order_id)
    if order is None:
        log.warning("platform_refund.unknown_order", order_id=command.order_id)
        return None
    if await repository.ticket_by_platform_case(tx.conn, command.case_no) is not None:
        return None
    amount = min(command.refund_fen, order.paid_fen - order.refunded_fen)
    now = datetime.now(UTC)
    ticket = Ticket(
        ticket_id=new_ticket_id(now),
        order_id=order.order_id,
        buyer_id=order.buyer_id,
        return_type=ReturnType.REFUND_ONLY,
        status=ReturnStatus.REQUESTED,
        lines=(),
        reason=command.reason,
        customer_photos=(),
        category="",
        assignee=await route_ticket(tx, ""),
        decision_note="",
        platform_case_no=command.case_no,
        platform_status=command.platform_status,
        return_carrier=None,
        return_waybill_no=None,
        received=None,
        problems=(),
        filed_at=now,
        approved_at=None,
        refunded_at=None,
        closed_at=None,
    )
    await repository.insert_ticket(tx.conn, ticket)
    fields = event_fields(ticket, ReturnStatus.REQUESTED, order.channel, command.reason, now)
    await tx.publish(ReturnRequested(**(fields | {"previous_status": ""}), lines=()))
    await tx.publish(
        AfterSalesCaseOpened(order_id=order.order_id, case_id=ticket.ticket_id, kind="refund", opened_at=now)
    )
    approved = await advance(
        tx,
        ticket,
        ReturnStatus.APPROVED,
        ReturnApproved,
        actor=order.channel,
        values={"approved_at": now},
        fields={"lines": (), "needs_waybill": False},
    )
    if amount <= 0 or not await orders.add_refunded(tx.conn, order.order_id, amount):
        log.warning("platform_refund.beyond_paid", order_id=order.order_id, refund_fen=command.refund_fen)
        return approved
    refund = Refund(
        refund_no=f"RF{ticket.ticket_id}",
        ticket_id=ticket.ticket_id,
        order_id=order.order_id,
        amount_fen=amount,
        currency=order.currency,
        method=PLATFORM,
        status=SUCCEEDED,
        provider_refund_id=command.case_no,
        lines=(),
    )
    await ledger.insert_refund(tx.conn, refund)
    log.info("platform_refund.recorded", order_id=order.order_id, ticket_id=ticket.ticket_id, amount_fen=amount)
    return await advance(
        tx,
        approved,
        ReturnStatus.REFUNDED,
        ReturnRefunded,
        actor=order.channel,
        values={"refunded_at": now},
        fields={"refund_fen": amount, "currency": order.currency, "refund_no": refund.refund_no, "method": PLATFORM},
    )

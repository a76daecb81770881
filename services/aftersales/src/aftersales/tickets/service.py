"""Ticket use cases: file (customer or platform), approve, reject, cancel, reassign, and take the
return waybill fulfillment issued. Filings of one order queue on its locked order reference, so
the quantity check holds under concurrency."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from orderhub_contracts.address import Receiver
from orderhub_contracts.events import AfterSalesCaseOpened
from orderhub_contracts.return_events import (
    ReturnApproved,
    ReturnCancelled,
    ReturnOrderCancelRequested,
    ReturnReassigned,
    ReturnRejected,
    ReturnRequested,
    ReturnWaybillSent,
)
from orderhub_contracts.returns import ReturnLine, ReturnStatus, ReturnType
from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, DomainError, NotFound
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.order_refs import repository as orders
from aftersales.order_refs.model import OrderRef
from aftersales.routing.service import route_ticket
from aftersales.tickets import repository
from aftersales.tickets.model import (
    ApproveReturn,
    AttachReturnWaybill,
    CancelReturn,
    FileReturn,
    ReassignReturn,
    RejectReturn,
    Ticket,
    TicketFilter,
)
from aftersales.tickets.transitions import advance, check, event_fields

log = get_logger(__name__)


class ReturnRefused(DomainError):
    status_code = 422
    code = "return_refused"


def new_ticket_id(now: datetime) -> str:
    return f"RT{now.astimezone(SHANGHAI):%Y%m%d%H%M}{secrets.token_hex(3).upper()}"


def _bought(order: OrderRef) -> dict[str, int]:
    bought: dict[str, int] = {}
    for item in order.items:
        bought[item["sku"]] = bought.get(item["sku"], 0) + int(item["quantity"])
    return bought


def merge_lines(lines: Sequence[ReturnLine]) -> tuple[ReturnLine, ...]:
    merged: dict[str, int] = {}
    for line in lines:
        merged[line.sku] = merged.get(line.sku, 0) + line.quantity
    return tuple(ReturnLine(sku=sku, quantity=quantity) for sku, quantity in merged.items())


def _main_sku(order: OrderRef, lines: Sequence[ReturnLine]) -> str:
    """The SKU the ticket is mostly about (the most money asked back): it gives the category."""
    unit = {item["sku"]: int(item.get("unit_price_fen", 0)) for item in order.items}
    return max(lines, key=lambda line: (unit.get(line.sku, 0) * line.quantity, line.sku)).sku


async def file_return(tx: Tx, command: FileReturn) -> Ticket:
    order = await orders.lock_order_ref(tx.conn, command.order_id)
    if order is None or (command.buyer_id is not None and order.buyer_id != command.buyer_id):
        raise NotFound("没有找到这个订单", details={"order_id": command.order_id})
    if order.cancelled_at is not None:
        raise Conflict("订单已取消，不能申请售后")
    if order.paid_fen <= 0:
        raise Conflict("订单未支付，不能申请售后")
    cancel_instead = not order.shipped and command.return_type is ReturnType.REFUND_ONLY
    if not order.shipped and not cancel_instead:
        raise Conflict("订单尚未发货，不能退货或换货")
    lines = merge_lines(command.lines)
    bought = _bought(order)
    claimed = await repository.claimed_quantities(tx.conn, order.order_id)
    too_many = [
        {"sku": line.sku, "asked": line.quantity, "left": bought.get(line.sku, 0) - claimed.get(line.sku, 0)}
        for line in lines
        if line.quantity > bought.get(line.sku, 0) - claimed.get(line.sku, 0)
    ]
    if too_many:
        raise ReturnRefused("申请数量超过可退数量（已购买数量减去已退或退货中的数量）", details=too_many)
    if cancel_instead:  # not shipped: the whole order is cancelled and refunded instead
        lines = tuple(
            ReturnLine(sku=sku, quantity=q - claimed.get(sku, 0))
            for sku, q in bought.items()
            if q > claimed.get(sku, 0)
        )
    categories = await orders.categories_of(tx.conn, [line.sku for line in lines])
    category = categories.get(_main_sku(order, lines), "")
    now = datetime.now(UTC)
    ticket = Ticket(
        ticket_id=new_ticket_id(now),
        order_id=order.order_id,
        buyer_id=order.buyer_id,
        return_type=command.return_type,
        status=ReturnStatus.REQUESTED,
        lines=lines,
        reason=command.reason,
        customer_photos=command.photos,
        category=category,
        assignee=await route_ticket(tx, category),
        decision_note="",
        platform_case_no=command.platform_case_no,
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
    fields = event_fields(ticket, ReturnStatus.REQUESTED, command.actor, command.reason, now)
    fields["previous_status"] = ""
    await tx.publish(ReturnRequested(**fields, lines=lines, category=category, assignee=ticket.assignee))
    kind = "refund" if command.return_type is ReturnType.REFUND_ONLY else command.return_type.value
    await tx.publish(AfterSalesCaseOpened(order_id=order.order_id, case_id=ticket.ticket_id, kind=kind, opened_at=now))
    if cancel_instead:
        fields["note"] = "订单未发货：取消订单并全额退款"
        await tx.publish(ReturnOrderCancelRequested(**fields))
    log.info("ticket.filed", ticket_id=ticket.ticket_id, order_id=order.order_id, assignee=ticket.assignee)
    return ticket


async def order_cancelled(tx: Tx, order_id: str) -> None:
    """The order was cancelled (order.cancelled): a refund-only request waiting on it is approved,
    so the refund loop pays the order back."""
    for found in await repository.list_tickets(tx.conn, TicketFilter(order_id=order_id, status=ReturnStatus.REQUESTED)):
        if found.return_type is ReturnType.REFUND_ONLY:
            await approve(tx, ApproveReturn(found.ticket_id, actor="system", note="订单已取消"))


async def _locked(tx: Tx, ticket_id: str) -> Ticket:
    ticket = await repository.lock_ticket(tx.conn, ticket_id)
    if ticket is None:
        raise NotFound(f"售后工单 {ticket_id} 不存在")
    return ticket


async def approve(tx: Tx, command: ApproveReturn) -> Ticket:
    ticket = await _locked(tx, command.ticket_id)
    check(ticket, ReturnStatus.APPROVED)
    order = await orders.get_order_ref(tx.conn, ticket.order_id)
    if order is not None and not order.shipped and order.cancelled_at is None:
        # a refund-only request on an unshipped order waits for the order's cancellation
        raise Conflict("订单尚未发货也未取消：等订单取消后自动退款", details={"order_id": ticket.order_id})
    sender = Receiver.model_validate(order.receiver) if order is not None and order.receiver else None
    return await advance(
        tx,
        ticket,
        ReturnStatus.APPROVED,
        ReturnApproved,
        actor=command.actor,
        note=command.note,
        values={"approved_at": datetime.now(UTC), "decision_note": command.note},
        fields={
            "lines": ticket.lines,
            "sender": sender,
            "needs_waybill": ticket.return_type is not ReturnType.REFUND_ONLY,
        },
    )


async def reject(tx: Tx, command: RejectReturn) -> Ticket:
    ticket = await _locked(tx, command.ticket_id)
    return await advance(
        tx,
        ticket,
        ReturnStatus.REJECTED,
        ReturnRejected,
        actor=command.actor,
        note=command.reason,
        values={"decision_note": command.reason},
    )


async def cancel(tx: Tx, command: CancelReturn) -> Ticket:
    ticket = await _locked(tx, command.ticket_id)
    if command.buyer_id is not None and ticket.buyer_id != command.buyer_id:
        raise NotFound(f"售后工单 {command.ticket_id} 不存在")
    return await advance(tx, ticket, ReturnStatus.CANCELLED, ReturnCancelled, actor=command.actor)


async def reassign(tx: Tx, command: ReassignReturn) -> Ticket:
    ticket = await _locked(tx, command.ticket_id)
    if ticket.status in (ReturnStatus.CLOSED, ReturnStatus.CANCELLED):
        raise Conflict("工单已结束，不能改派")
    moved = await repository.update_ticket(tx.conn, ticket.ticket_id, {"assignee": command.assignee})
    fields = event_fields(ticket, ticket.status, command.actor, command.note, datetime.now(UTC))
    await tx.publish(ReturnReassigned(**fields, assignee=command.assignee))
    log.info("ticket.reassigned", ticket_id=ticket.ticket_id, assignee=command.assignee, by=command.actor)
    return moved


async def attach_waybill(tx: Tx, command: AttachReturnWaybill) -> None:
    """Fulfillment's return waybill reaches the ticket (once; a redelivery changes nothing)."""
    ticket = await repository.lock_ticket(tx.conn, command.ticket_id)
    if ticket is None or ticket.return_waybill_no == command.waybill_no:
        return
    if ticket.status is not ReturnStatus.APPROVED:
        log.warning("ticket.waybill_ignored", ticket_id=command.ticket_id, status=ticket.status)
        return
    await advance(
        tx,
        ticket,
        ReturnStatus.WAYBILL_ISSUED,
        ReturnWaybillSent,
        actor="fulfillment",
        values={"return_carrier": command.carrier, "return_waybill_no": command.waybill_no},
        fields={"carrier": command.carrier, "waybill_no": command.waybill_no},
    )


async def get(conn: AsyncConnection, ticket_id: str, *, buyer_id: str | None = None) -> Ticket:
    ticket = await repository.get_ticket(conn, ticket_id)
    if ticket is None or (buyer_id is not None and ticket.buyer_id != buyer_id):
        raise NotFound(f"售后工单 {ticket_id} 不存在")
    return ticket


async def search(conn: AsyncConnection, where: TicketFilter) -> list[Ticket]:
    return await repository.list_tickets(conn, where)

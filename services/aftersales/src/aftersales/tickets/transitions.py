"""Moving a ticket: the transition table is checked, the row updated, the event published, and
the order's after-sales state follows (opened with its first open ticket, settled with its last)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orderhub_contracts.events import AfterSalesCaseClosed
from orderhub_contracts.return_events import AfterSalesSettled, ReturnClosed, ReturnEvent
from orderhub_contracts.returns import OPEN_RETURN_STATUSES, ReturnStatus, can_return_transition
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict
from orderhub_runtime.logging import get_logger

from aftersales.tickets import repository
from aftersales.tickets.model import Ticket

log = get_logger(__name__)

# What a ticket's case ended with (aftersales.case_closed), by the status it was closed from.
_OUTCOMES = {
    ReturnStatus.REFUNDED: "refunded",
    ReturnStatus.EXCHANGED: "exchanged",
    ReturnStatus.REJECTED: "rejected",
}

# Statuses that end on their own: the ticket closes in the same transaction.
_CLOSE_AT_ONCE = frozenset({ReturnStatus.REJECTED, ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED})


class IllegalTicketTransition(Conflict):
    code = "illegal_transition"


def event_fields(ticket: Ticket, target: ReturnStatus, actor: str, note: str, at: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "order_id": ticket.order_id,
        "return_type": ticket.return_type.value,
        "status": target.value,
        "previous_status": ticket.status.value,
        "actor": actor,
        "note": note,
        "occurred_at": at,
        "platform_case_no": ticket.platform_case_no or "",
    }


def check(ticket: Ticket, target: ReturnStatus) -> None:
    if not can_return_transition(ticket.status, target):
        log.info("ticket.transition_refused", ticket_id=ticket.ticket_id, status=ticket.status, target=target)
        raise IllegalTicketTransition(
            f"工单当前状态为 {ticket.status.value}，不能变为 {target.value}",
            details={"ticket_id": ticket.ticket_id, "status": ticket.status.value, "target": target.value},
        )


async def advance(
    tx: Tx,
    ticket: Ticket,
    target: ReturnStatus,
    event_type: type[ReturnEvent],
    *,
    actor: str,
    note: str = "",
    values: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> Ticket:
    """`ticket` must be locked by the caller (repository.lock_ticket)."""
    check(ticket, target)
    now = datetime.now(UTC)
    row_values = {"status": target.value, **(values or {})}
    if target in (ReturnStatus.CLOSED, ReturnStatus.CANCELLED):
        row_values["closed_at"] = now
    moved = await repository.update_ticket(tx.conn, ticket.ticket_id, row_values)
    await tx.publish(event_type(**event_fields(ticket, target, actor, note, now), **(fields or {})))
    log.info("ticket.moved", ticket_id=ticket.ticket_id, order_id=ticket.order_id, status=target.value, by=actor)
    if target in _CLOSE_AT_ONCE:
        return await advance(tx, moved, ReturnStatus.CLOSED, ReturnClosed, actor="system")
    if target not in OPEN_RETURN_STATUSES:  # closed or cancelled: the case ends
        outcome = "withdrawn" if target is ReturnStatus.CANCELLED else _OUTCOMES.get(ticket.status, "closed")
        await tx.publish(
            AfterSalesCaseClosed(order_id=ticket.order_id, case_id=ticket.ticket_id, outcome=outcome, closed_at=now)
        )
        if await repository.count_open(tx.conn, ticket.order_id) == 0:  # the order's last open ticket
            await tx.publish(AfterSalesSettled(order_id=ticket.order_id, ticket_id=ticket.ticket_id))
    return moved

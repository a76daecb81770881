"""Tickets: the ticket as stored, the commands on it, and the list filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orderhub_contracts.returns import ReceivedLine, ReturnLine, ReturnStatus, ReturnType

MAX_LINES = 50


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    order_id: str
    buyer_id: str
    return_type: ReturnType
    status: ReturnStatus
    lines: tuple[ReturnLine, ...]
    reason: str
    customer_photos: tuple[str, ...]
    category: str
    assignee: str
    decision_note: str
    platform_case_no: str | None
    platform_status: str
    return_carrier: str | None
    return_waybill_no: str | None
    received: tuple[ReceivedLine, ...] | None
    problems: tuple[str, ...]
    filed_at: datetime
    approved_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class FileReturn:
    """A customer (by their openid) or a platform (by its case number) asks for after-sales."""

    order_id: str
    return_type: ReturnType
    lines: tuple[ReturnLine, ...]
    reason: str
    photos: tuple[str, ...] = ()
    buyer_id: str | None = None  # the customer filing it; None when staff or a platform files it
    actor: str = "customer"
    platform_case_no: str | None = None
    platform_status: str = ""


@dataclass(frozen=True)
class ApproveReturn:
    ticket_id: str
    actor: str
    note: str = ""


@dataclass(frozen=True)
class RejectReturn:
    ticket_id: str
    actor: str
    reason: str


@dataclass(frozen=True)
class CancelReturn:
    ticket_id: str
    buyer_id: str | None  # the customer; None when a platform cancels it
    actor: str = "customer"


@dataclass(frozen=True)
class ReassignReturn:
    ticket_id: str
    assignee: str  # empty: back to the shared queue
    note: str
    actor: str


@dataclass(frozen=True)
class AttachReturnWaybill:
    ticket_id: str
    carrier: str
    waybill_no: str


@dataclass(frozen=True)
class TicketFilter:
    assignee: str | None = None
    status: ReturnStatus | None = None
    category: str | None = None
    order_id: str | None = None
    buyer_id: str | None = None
    limit: int = 100
    statuses: tuple[ReturnStatus, ...] = field(default=())

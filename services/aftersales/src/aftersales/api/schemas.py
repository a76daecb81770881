"""Request and response models shared by the returns routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub_contracts.phone import mask_phone
from orderhub_contracts.returns import (
    RETURN_STATUS_NAMES,
    RETURN_TYPE_NAMES,
    Condition,
    ReceivedLine,
    ReturnLine,
    ReturnStatus,
    ReturnType,
)
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from aftersales.order_refs.model import OrderRef
from aftersales.refunds.model import Refund
from aftersales.tickets.model import MAX_LINES, Ticket


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64, pattern=r"\S")
    quantity: StrictInt = Field(ge=1, le=999)

    def line(self) -> ReturnLine:
        return ReturnLine(sku=self.sku, quantity=self.quantity)


class ReceivedLineIn(LineIn):
    condition: Condition = Condition.GOOD

    def received(self) -> ReceivedLine:
        return ReceivedLine(sku=self.sku, quantity=self.quantity, condition=self.condition)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: str = Field(min_length=1, max_length=64)
    type: ReturnType
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    reason: str = Field(min_length=1, max_length=500)
    photos: list[str] = Field(default_factory=list, max_length=9, description="URLs of the customer's photos")


class RefundOut(BaseModel):
    refund_no: str
    ticket_id: str
    order_id: str
    amount_fen: int
    currency: str
    method: str
    status: str
    provider_refund_id: str
    lines: list[dict[str, Any]]
    created_at: datetime | None
    settled_at: datetime | None

    @classmethod
    def of(cls, refund: Refund) -> RefundOut:
        return cls(
            refund_no=refund.refund_no,
            ticket_id=refund.ticket_id,
            order_id=refund.order_id,
            amount_fen=refund.amount_fen,
            currency=refund.currency,
            method=refund.method,
            status=refund.status,
            provider_refund_id=refund.provider_refund_id,
            lines=[line.model_dump() for line in refund.lines],
            created_at=refund.created_at,
            settled_at=refund.settled_at,
        )


class TicketOut(BaseModel):
    ticket_id: str
    order_id: str
    type: ReturnType
    type_name: str
    status: ReturnStatus
    status_name: str
    lines: list[dict[str, Any]]
    reason: str
    category: str
    assignee: str
    decision_note: str = Field(description="the approval note, or the reason of a rejection the customer sees")
    return_carrier: str | None
    return_waybill_no: str | None
    received: list[dict[str, Any]] | None
    problems: list[str]
    platform_case_no: str | None
    platform_status: str
    filed_at: datetime
    approved_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None
    refund: RefundOut | None = None

    @classmethod
    def of(cls, ticket: Ticket, refund: Refund | None = None) -> TicketOut:
        return cls(
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            type=ticket.return_type,
            type_name=RETURN_TYPE_NAMES[ticket.return_type],
            status=ticket.status,
            status_name=RETURN_STATUS_NAMES[ticket.status],
            lines=[line.model_dump() for line in ticket.lines],
            reason=ticket.reason,
            category=ticket.category,
            assignee=ticket.assignee,
            decision_note=ticket.decision_note,
            return_carrier=ticket.return_carrier,
            return_waybill_no=ticket.return_waybill_no,
            received=None if ticket.received is None else [line.model_dump() for line in ticket.received],
            problems=list(ticket.problems),
            platform_case_no=ticket.platform_case_no,
            platform_status=ticket.platform_status,
            filed_at=ticket.filed_at,
            approved_at=ticket.approved_at,
            refunded_at=ticket.refunded_at,
            closed_at=ticket.closed_at,
            refund=None if refund is None else RefundOut.of(refund),
        )


class CustomerTicketOut(BaseModel):
    """What the customer sees: no assignee, no internal notes but the decision."""

    ticket_id: str
    order_id: str
    type: ReturnType
    type_name: str
    status: ReturnStatus
    status_name: str
    lines: list[dict[str, Any]]
    reason: str
    reject_reason: str
    return_carrier: str | None
    return_waybill_no: str | None
    refund_fen: int | None
    refunded_at: datetime | None
    filed_at: datetime

    @classmethod
    def of(cls, ticket: Ticket, refund: Refund | None) -> CustomerTicketOut:
        return cls(
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            type=ticket.return_type,
            type_name=RETURN_TYPE_NAMES[ticket.return_type],
            status=ticket.status,
            status_name=RETURN_STATUS_NAMES[ticket.status],
            lines=[line.model_dump() for line in ticket.lines],
            reason=ticket.reason,
            reject_reason=ticket.decision_note if _rejected(ticket) else "",
            return_carrier=ticket.return_carrier,
            return_waybill_no=ticket.return_waybill_no,
            refund_fen=refund.amount_fen if refund is not None and refund.status == "succeeded" else None,
            refunded_at=ticket.refunded_at,
            filed_at=ticket.filed_at,
        )


def _rejected(ticket: Ticket) -> bool:
    return ticket.status in (ReturnStatus.REJECTED, ReturnStatus.CLOSED) and ticket.approved_at is None


class OrderSummary(BaseModel):
    order_id: str
    channel: str
    receiver_name: str
    receiver_phone: str  # masked
    items: list[dict[str, Any]]
    placed_at: datetime
    waybill_no: str | None
    paid_fen: int
    refunded_fen: int

    @classmethod
    def of(cls, ref: OrderRef) -> OrderSummary:
        return cls(
            order_id=ref.order_id,
            channel=ref.channel,
            receiver_name=ref.receiver_name,
            receiver_phone=mask_phone(ref.receiver_phone),
            items=ref.items,
            placed_at=ref.placed_at,
            waybill_no=ref.waybill_no,
            paid_fen=ref.paid_fen,
            refunded_fen=ref.refunded_fen,
        )

"""The returns loop's events: the return waybill and the restock (fulfillment.v1) and every
transition of an after-sales ticket (aftersales.v1). Re-exported by `events`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from orderhub_contracts.address import Receiver
from orderhub_contracts.event_base import DomainEvent
from orderhub_contracts.returns import ReceivedLine, ReturnLine
from orderhub_contracts.topics import Topic


class ReturnWaybillIssued(DomainEvent):
    """The carrier issued the waybill the customer sends a return parcel back with (退货运单)."""

    event_type: ClassVar[str] = "return_waybill.issued"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    ticket_id: str
    order_id: str
    carrier: str
    waybill_no: str


class ReturnRestocked(DomainEvent):
    """The good items of a received return went back to stock; the damaged ones were written off."""

    event_type: ClassVar[str] = "return.restocked"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    ticket_id: str
    order_id: str
    restocked: tuple[ReceivedLine, ...] = ()
    written_off: tuple[ReceivedLine, ...] = ()


# ---- aftersales.v1 ------------------------------------------------------------------------
class ReturnEvent(DomainEvent):
    """A transition of an after-sales ticket; `status` is the ticket's status after it."""

    ticket_id: str
    order_id: str
    return_type: str  # ReturnType
    status: str  # ReturnStatus
    previous_status: str = ""
    actor: str = ""  # customer, the staff member, platform or system
    note: str = ""  # the reason the customer or the agent gave
    occurred_at: AwareDatetime
    platform_case_no: str = ""


class ReturnRequested(ReturnEvent):
    event_type: ClassVar[str] = "return.requested"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    lines: tuple[ReturnLine, ...]
    category: str = ""
    assignee: str = ""  # empty: the shared queue


class ReturnReassigned(ReturnEvent):
    event_type: ClassVar[str] = "return.reassigned"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    assignee: str = ""


class ReturnApproved(ReturnEvent):
    """Fulfillment issues the return waybill (unless refund-only) from the customer's address."""

    event_type: ClassVar[str] = "return.approved"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    lines: tuple[ReturnLine, ...]
    sender: Receiver | None = None  # who sends the parcel back (the order's receiver)
    needs_waybill: bool = True


class ReturnOrderCancelRequested(ReturnEvent):
    """A refund-only request on an order that has not shipped: the order is to be cancelled instead.
    Ingest cancels it if it still can (order.cancelled, which releases the stock and approves the
    ticket's refund of the whole order); an order that shipped meanwhile keeps the ticket for review."""

    event_type: ClassVar[str] = "return.order_cancel_requested"
    topic: ClassVar[Topic] = Topic.AFTERSALES


class ReturnRejected(ReturnEvent):
    event_type: ClassVar[str] = "return.rejected"
    topic: ClassVar[Topic] = Topic.AFTERSALES


class ReturnWaybillSent(ReturnEvent):
    """The return waybill reached the ticket: the customer is told it (SMS and mini-program)."""

    event_type: ClassVar[str] = "return.waybill_issued"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    carrier: str
    waybill_no: str


class ReturnReceived(ReturnEvent):
    event_type: ClassVar[str] = "return.received"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    received: tuple[ReceivedLine, ...]


class ReturnDiscrepancyFound(ReturnEvent):
    """What arrived differs from what was asked back: customer service is alerted, and the
    warehouse lead on WeCom; the receipt cannot be completed without a photo."""

    event_type: ClassVar[str] = "return.discrepancy"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    received: tuple[ReceivedLine, ...]
    problems: tuple[str, ...]


class ReturnRefunded(ReturnEvent):
    event_type: ClassVar[str] = "return.refunded"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    refund_fen: int = Field(ge=0)
    currency: str = "CNY"
    refund_no: str
    method: str  # wechatpay | platform


class ReturnExchanged(ReturnEvent):
    event_type: ClassVar[str] = "return.exchanged"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    lines: tuple[ReturnLine, ...]


class ReturnClosed(ReturnEvent):
    event_type: ClassVar[str] = "return.closed"
    topic: ClassVar[Topic] = Topic.AFTERSALES


class ReturnCancelled(ReturnEvent):
    event_type: ClassVar[str] = "return.cancelled"
    topic: ClassVar[Topic] = Topic.AFTERSALES


class AfterSalesSettled(DomainEvent):
    """The order's last open ticket ended: the order goes back to delivered (each ticket also
    opens and closes its case: aftersales.case_opened / aftersales.case_closed)."""

    event_type: ClassVar[str] = "aftersales.settled"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    order_id: str
    ticket_id: str

"""Event contracts: frozen models, past tense, one owning topic each. `ce_type` is the
`event_type` class attribute; `ce_subject` and the Kafka key are the order ID (the SKU for
product.updated). The returns loop's events live in `return_events`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.event_base import DomainEvent as DomainEvent
from orderhub_contracts.event_base import UnknownEventType as UnknownEventType
from orderhub_contracts.order import CanonicalOrder, LineItem
from orderhub_contracts.return_events import (
    AfterSalesSettled,
    ReturnApproved,
    ReturnCancelled,
    ReturnClosed,
    ReturnDiscrepancyFound,
    ReturnExchanged,
    ReturnOrderCancelRequested,
    ReturnReassigned,
    ReturnReceived,
    ReturnRefunded,
    ReturnRejected,
    ReturnRequested,
    ReturnRestocked,
    ReturnWaybillIssued,
    ReturnWaybillSent,
)
from orderhub_contracts.topics import Topic


# ---- orders.v1 (ingest) -------------------------------------------------------------------
class OrderPlaced(DomainEvent):
    event_type: ClassVar[str] = "order.placed"
    topic: ClassVar[Topic] = Topic.ORDERS
    order: CanonicalOrder


class OrderPaid(DomainEvent):
    event_type: ClassVar[str] = "order.paid"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    paid_at: AwareDatetime
    paid_total_fen: int


class OrderCancelled(DomainEvent):
    event_type: ClassVar[str] = "order.cancelled"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    reason: str
    replaced_by: str = ""  # void-and-reorder: the order placed again in its place (order.reordered)


class OrderAddressChanged(DomainEvent):
    """The receiver changed: edited by customer service or changed on the platform."""

    event_type: ClassVar[str] = "order.address_changed"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    receiver: Receiver
    previous: Receiver
    changed_by: str  # "platform" or the staff member
    changed_at: AwareDatetime
    # What ingest decided (see ingest's README): "changed" (label not on paper: replace the
    # address and re-issue the waybill), "intercepted" (label printed: hold and intercept);
    # empty from producers that do not decide (every earlier change).
    outcome: str = ""
    reason: str = ""


class AddressInterceptRequested(DomainEvent):
    """A shipped parcel is to be re-addressed by its carrier (快递100 interceptOrder MODIFY_ADDR);
    the order's receiver changes only when the carrier accepts (shipment.address_intercept_answered)."""

    event_type: ClassVar[str] = "order.address_intercept_requested"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    receiver: Receiver
    requested_by: str
    reason: str = ""


class OrderReordered(DomainEvent):
    """Void-and-reorder: `order_id` was voided (cancelled) after the freeze window and
    `new_order_id` placed with the same items for the new address; the customer is owed one
    compensation coupon (aftersales draws it from the budget pool, once per voided order)."""

    event_type: ClassVar[str] = "order.reordered"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    new_order_id: str
    customer_phone: str
    channel: str
    reason: str = ""
    voided_at: AwareDatetime


class OrderRemarksChanged(DomainEvent):
    """The buyer remark or the seller memo changed on the platform."""

    event_type: ClassVar[str] = "order.remarks_changed"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    buyer_remark: str
    seller_memo: str


class OrderRefunded(DomainEvent):
    event_type: ClassVar[str] = "order.refunded"
    topic: ClassVar[Topic] = Topic.ORDERS
    order_id: str
    refund_fen: int = Field(ge=0)
    reason: str = ""
    ticket_id: str = ""  # the after-sales ticket the refund settles, if any
    # A refund made on the platform: its case there (the channel order and the refunded total it
    # reached) and the platform's status, for the after-sales queue.
    platform_case_no: str = ""
    platform_status: str = ""


# ---- anomalies.v1 (rules) -----------------------------------------------------------------
class AnomalyAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str  # hold | sms | wecom | popup | tag
    target: str = ""  # customer, regional_manager, warehouse_group, ops_manager, ...
    text: str = ""


class AnomalyRaised(DomainEvent):
    event_type: ClassVar[str] = "anomaly.raised"
    topic: ClassVar[Topic] = Topic.ANOMALIES
    anomaly_id: str
    order_id: str
    rule_id: str
    rule_name: str
    level: int = Field(ge=1, le=3)
    holds: bool
    evidence: dict[str, Any]
    actions: tuple[AnomalyAction, ...] = ()
    province: str = ""
    channel: str = ""
    customer_phone: str = ""


class OrderValidated(DomainEvent):
    """Clearance: paid, and no rule holds it. Carries the order so fulfillment needs no lookup."""

    event_type: ClassVar[str] = "order.validated"
    topic: ClassVar[Topic] = Topic.ANOMALIES
    order: CanonicalOrder
    rule_set_version: int


class AnomalyAcknowledged(DomainEvent):
    """First contact with the customer: ends the response time the KPI measures."""

    event_type: ClassVar[str] = "anomaly.acknowledged"
    topic: ClassVar[Topic] = Topic.ANOMALIES
    anomaly_id: str
    order_id: str
    rule_id: str
    acknowledged_by: str
    response_seconds: float


class AnomalyResolved(DomainEvent):
    event_type: ClassVar[str] = "anomaly.resolved"
    topic: ClassVar[Topic] = Topic.ANOMALIES
    anomaly_id: str
    order_id: str
    rule_id: str
    resolution: str  # released | cancelled
    resolved_by: str = ""
    order_still_held: bool


class OrderHeld(DomainEvent):
    event_type: ClassVar[str] = "order.held"
    topic: ClassVar[Topic] = Topic.ANOMALIES
    order_id: str
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]


# ---- fulfillment.v1 -----------------------------------------------------------------------
class ShortLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    requested: int
    available: int


class StockShortage(DomainEvent):
    event_type: ClassVar[str] = "stock.shortage"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    lines: tuple[ShortLine, ...]


class ShipmentCreated(DomainEvent):
    """Stock reserved, outbound order (出库单) created and a waybill number issued."""

    event_type: ClassVar[str] = "shipment.created"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    outbound_id: str
    carrier: str
    waybill_no: str
    receiver: Receiver
    items: tuple[LineItem, ...]
    ship_deadline: datetime | None = None
    zone: str = ""  # in_stock | presale (a split order has one parcel of each); "" from older senders


class ShipmentIntercepted(DomainEvent):
    """An allocated order was held: its outbound order must not leave the warehouse."""

    event_type: ClassVar[str] = "shipment.intercepted"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    outbound_id: str
    waybill_no: str
    reason: str
    # Why, when fulfillment intercepted on its own: "address_after_print" (an address change reached
    # a parcel whose label was already printed; rules raise R15 so that someone releases it).
    cause: str = ""


class ShipmentReleased(DomainEvent):
    """An intercepted outbound order was released with its hold: it may leave again (the order is
    back to allocated, with the waybill it already had)."""

    event_type: ClassVar[str] = "shipment.released"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    outbound_id: str
    waybill_no: str


class ShipmentDispatched(DomainEvent):
    """The parcel left the warehouse with the carrier (发货). A split order (R14) has one per
    parcel; `order.shipped` follows when every parcel of the order has left."""

    event_type: ClassVar[str] = "shipment.dispatched"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    waybill_no: str
    carrier: str
    dispatched_at: AwareDatetime
    outbound_id: str = ""
    zone: str = "in_stock"  # in_stock | presale
    # The parcel's receiver as printed on its label (full phone: notify sends the 「已发货」 SMS to
    # it); None from producers that predate it, and notify then uses the order's customer.
    receiver: Receiver | None = None


class OutboundStatusChanged(DomainEvent):
    """An outbound order (one parcel) changed status in the warehouse without an event of its
    own: `picking` when a pick list took it (its label is on paper from then on), `created`
    when its wave closed before it left (back on the board). Shipping, interception, release and
    cancellation have their own events (shipment.dispatched / intercepted / released,
    order.cancelled)."""

    event_type: ClassVar[str] = "outbound.status_changed"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    outbound_id: str
    status: str  # picking | created
    at: AwareDatetime
    waybill_no: str = ""
    picklist_id: str = ""  # the wave that took it, or that closed


class OrderShipped(DomainEvent):
    """Every parcel of the order has left the warehouse: the order is shipped (已发货)."""

    event_type: ClassVar[str] = "order.shipped"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    waybill_nos: tuple[str, ...]
    shipped_at: AwareDatetime


class ProductUpdated(DomainEvent):
    """The catalogue entry of a SKU was created or changed (keyed by the SKU, not an order)."""

    event_type: ClassVar[str] = "product.updated"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    sku: str
    title: str
    category: str
    list_price_fen: int = Field(ge=0)
    currency: str = "CNY"
    bin_location: str = ""
    presale_ship_date: date | None = None  # Asia/Shanghai business day the presale SKU ships
    updated_at: AwareDatetime

    def subject(self) -> str:
        return self.sku


class AddressInterceptAnswered(DomainEvent):
    """The carrier's answer to a MODIFY_ADDR intercept of a parcel (it may come much later)."""

    event_type: ClassVar[str] = "shipment.address_intercept_answered"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    waybill_no: str
    carrier: str
    accepted: bool
    receiver: Receiver
    message: str = ""


class TrackingUpdated(DomainEvent):
    """A new checkpoint on the parcel's track (each one newer than what was known); `delivered`
    means signed for (签收), `returned` refused or sent back, `exception` a problem (疑难)."""

    event_type: ClassVar[str] = "shipment.tracking_updated"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    waybill_no: str
    status: str  # in_transit | delivered | returned | exception
    description: str = ""
    occurred_at: AwareDatetime


class WmsBridgeFailed(DomainEvent):
    """The WMS export (待发货清单.xlsx) could not be read: it was moved aside with the reason and
    nothing was printed. For the warehouse group on WeCom. Keyed by the bridge and its day, as
    the file belongs to no single order."""

    event_type: ClassVar[str] = "wms_bridge.failed"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    file_name: str
    reason: str
    moved_to: str
    business_date: date

    def subject(self) -> str:
        return f"wms-bridge-{self.business_date:%Y%m%d}"


class ShipmentDelivered(DomainEvent):
    """The carrier reports the parcel signed for (签收, 代签, 投柜或驿站签收): the order is delivered."""

    event_type: ClassVar[str] = "shipment.delivered"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    waybill_no: str
    carrier: str
    carrier_state: str  # the carrier's own code (快递100 `state`: 3, 301, 304 ...)
    description: str  # the checkpoint's text, as the customer reads it
    delivered_at: AwareDatetime


class ShipmentException(DomainEvent):
    """The carrier reports a problem (疑难), a refusal (拒签, 退签) or a return (退回): R17 raises it
    and customer service sees it."""

    event_type: ClassVar[str] = "shipment.exception"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    waybill_no: str
    carrier: str
    carrier_state: str
    kind: str  # returned | problem
    description: str
    occurred_at: AwareDatetime


class OrderCompleted(DomainEvent):
    """Delivered, and the after-sales window passed with no case open (交易完成)."""

    event_type: ClassVar[str] = "order.completed"
    topic: ClassVar[Topic] = Topic.FULFILLMENT
    order_id: str
    delivered_at: AwareDatetime
    completed_at: AwareDatetime


# ---- aftersales.v1 ------------------------------------------------------------------------
class AfterSalesCaseOpened(DomainEvent):
    """A return, refund or exchange case was opened on the order: it is not completed meanwhile."""

    event_type: ClassVar[str] = "aftersales.case_opened"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    order_id: str
    case_id: str
    kind: str  # refund | return_refund | exchange | resend | repair
    opened_at: AwareDatetime


class AfterSalesCaseClosed(DomainEvent):
    event_type: ClassVar[str] = "aftersales.case_closed"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    order_id: str
    case_id: str
    outcome: str  # refunded | exchanged | rejected | withdrawn ...
    closed_at: AwareDatetime


class CouponIssued(DomainEvent):
    """A compensation coupon was drawn from a budget pool for a voided order (`order_id`)."""

    event_type: ClassVar[str] = "coupon.issued"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    order_id: str
    coupon_code: str
    customer_phone: str
    amount_fen: int = Field(gt=0)
    currency: str = "CNY"
    pool: str
    valid_until: AwareDatetime


class CouponDrawRefused(DomainEvent):
    """The budget pool could not pay for the coupon a voided order is owed: no coupon."""

    event_type: ClassVar[str] = "coupon.draw_refused"
    topic: ClassVar[Topic] = Topic.AFTERSALES
    order_id: str
    pool: str
    amount_fen: int
    balance_fen: int


# ---- notifications.v1 ---------------------------------------------------------------------
class NotificationSent(DomainEvent):
    event_type: ClassVar[str] = "notification.sent"
    topic: ClassVar[Topic] = Topic.NOTIFICATIONS
    message_id: str
    order_id: str
    channel: str  # sms | wecom
    template: str
    recipient_masked: str
    text: str
    provider: str
    provider_message_id: str = ""


class NotificationFailed(DomainEvent):
    event_type: ClassVar[str] = "notification.failed"
    topic: ClassVar[Topic] = Topic.NOTIFICATIONS
    message_id: str
    order_id: str
    channel: str
    template: str
    recipient_masked: str
    provider: str
    error_code: str
    permanent: bool


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.event_type: cls
    for cls in (
        OrderPlaced,
        OrderPaid,
        OrderCancelled,
        OrderAddressChanged,
        OrderRemarksChanged,
        OrderRefunded,
        OrderReordered,
        AddressInterceptRequested,
        AnomalyRaised,
        AnomalyAcknowledged,
        AnomalyResolved,
        OrderValidated,
        OrderHeld,
        StockShortage,
        ShipmentCreated,
        ShipmentIntercepted,
        ShipmentReleased,
        ShipmentDispatched,
        OutboundStatusChanged,
        OrderShipped,
        ProductUpdated,
        AddressInterceptAnswered,
        TrackingUpdated,
        WmsBridgeFailed,
        ShipmentDelivered,
        ShipmentException,
        OrderCompleted,
        AfterSalesCaseOpened,
        AfterSalesCaseClosed,
        ReturnWaybillIssued,
        ReturnRestocked,
        ReturnRequested,
        ReturnReassigned,
        ReturnApproved,
        ReturnOrderCancelRequested,
        ReturnRejected,
        ReturnWaybillSent,
        ReturnReceived,
        ReturnDiscrepancyFound,
        ReturnRefunded,
        ReturnExchanged,
        ReturnClosed,
        ReturnCancelled,
        AfterSalesSettled,
        CouponIssued,
        CouponDrawRefused,
        NotificationSent,
        NotificationFailed,
    )
}


def parse_event(envelope: Envelope) -> DomainEvent:
    """The typed event inside an envelope; raises UnknownEventType or pydantic.ValidationError."""
    model = EVENT_TYPES.get(envelope.type)
    if model is None:
        raise UnknownEventType(f"unknown event type {envelope.type!r}")
    return model.model_validate(envelope.data)


def to_envelope(event: DomainEvent, *, source: str, correlation_id: str = "", causation_id: str = "") -> Envelope:
    return Envelope(
        source=source,
        type=event.event_type,
        subject=event.subject(),
        data=event.model_dump(mode="json"),
        correlation_id=correlation_id,
        causation_id=causation_id,
    )

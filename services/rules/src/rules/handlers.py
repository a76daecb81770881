"""Message handlers: each event the rules service consumes, mapped to its use case. They run
inside the consumer's transaction (inbox claim, effects and outbox commit together).

- order.placed → placement (a batch handler: a run is checked set-based)
- order.paid / order.cancelled / order.address_changed / order.remarks_changed → the order's
  payment, cancellation, receiver (R15 and the receiver rules) and remarks (R12)
- stock.shortage → R09; shipment.created → the waybill (R15) and the R16 deadline (a batch
  handler); shipment.dispatched → R16 cancelled, R17 armed; shipment.tracking_updated → R17
  re-armed, cancelled on delivery, checked at once on a return
- notification.failed → R03"""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    DomainEvent,
    NotificationFailed,
    OrderAddressChanged,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRemarksChanged,
    ShipmentCreated,
    ShipmentDispatched,
    StockShortage,
    TrackingUpdated,
)
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from rules.deps import RulesDeps
from rules.orders import service as orders
from rules.placement import service as placement


def build_batch_handlers(deps: RulesDeps) -> dict[str, BatchHandler]:
    async def on_placed(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        placed = [(envelope, event.order) for envelope, event in items if isinstance(event, OrderPlaced)]
        await placement.place(tx, placed, deps)

    async def on_shipments_created(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        await orders.record_shipments(tx, deps, [e for _, e in items if isinstance(e, ShipmentCreated)])

    return {OrderPlaced.event_type: on_placed, ShipmentCreated.event_type: on_shipments_created}


def build_handlers(deps: RulesDeps) -> dict[str, Handler]:
    """Every other event (order.placed and shipment.created have batch handlers)."""

    async def on_paid(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderPaid)
        await orders.record_payment(tx, deps, event.order_id, event.paid_at)

    async def on_cancelled(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderCancelled)
        await orders.record_cancellation(tx, event.order_id, event.reason)

    async def on_address_changed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderAddressChanged)
        await orders.change_receiver(tx, deps, event.order_id, event.receiver)

    async def on_remarks_changed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderRemarksChanged)
        await orders.change_remarks(tx, deps, event.order_id, event.buyer_remark, event.seller_memo)

    async def on_stock_shortage(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, StockShortage)
        await orders.check_shortage(tx, deps, event.order_id, sorted({line.sku for line in event.lines}))

    async def on_dispatched(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, ShipmentDispatched)
        await orders.record_dispatch(tx, deps, event.order_id, event.dispatched_at)

    async def on_tracking(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, TrackingUpdated)
        await orders.record_tracking(tx, deps, event.order_id, event.status, event.occurred_at)

    async def on_notification_failed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, NotificationFailed)
        await orders.check_failed_notification(tx, deps, event.order_id, event.channel, event.error_code)

    return {
        OrderPaid.event_type: on_paid,
        OrderCancelled.event_type: on_cancelled,
        OrderAddressChanged.event_type: on_address_changed,
        OrderRemarksChanged.event_type: on_remarks_changed,
        StockShortage.event_type: on_stock_shortage,
        ShipmentDispatched.event_type: on_dispatched,
        TrackingUpdated.event_type: on_tracking,
        NotificationFailed.event_type: on_notification_failed,
    }

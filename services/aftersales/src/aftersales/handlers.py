"""Message handlers: order facts (orders.v1, fulfillment.v1) into the order references, the
catalogue's categories, and fulfillment's return waybills into their tickets."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    DomainEvent,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderReordered,
    OrderShipped,
    ProductUpdated,
    ShipmentCreated,
    ShipmentDelivered,
    TrackingUpdated,
)
from orderhub_contracts.return_events import ReturnWaybillIssued
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from aftersales.coupons import service as coupons
from aftersales.coupons.model import Compensate
from aftersales.deps import AftersalesDeps
from aftersales.order_refs import service
from aftersales.order_refs.model import (
    RecordCategory,
    RecordPayment,
    RecordPlacement,
    RecordProgress,
    RecordShipment,
)
from aftersales.tickets import service as tickets
from aftersales.tickets.model import AttachReturnWaybill
from aftersales.tickets.platform import PLATFORM_REFUNDED, RecordPlatformRefund, record_platform_refund


def build_batch_handlers(deps: AftersalesDeps) -> dict[str, BatchHandler]:
    async def on_orders_placed(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        placements = [RecordPlacement(event.order) for _, event in items if isinstance(event, OrderPlaced)]
        await service.record_placements(tx, placements)
        redeemed = [
            (event.order.order_id, d, envelope.time)
            for envelope, event in items
            if isinstance(event, OrderPlaced)
            for d in event.order.discounts
            if d.source == coupons.OUR_COUPONS
        ]
        if redeemed:
            await coupons.record_redemptions(tx, redeemed)

    async def on_orders_reordered(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        for envelope, event in items:
            if isinstance(event, OrderReordered):
                command = Compensate(event.order_id, event.customer_phone, envelope.time)
                await coupons.compensate(tx, deps.settings, command)

    async def on_shipments_created(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        shipments = [
            RecordShipment(event.order_id, event.waybill_no, event.carrier)
            for _, event in items
            if isinstance(event, ShipmentCreated)
        ]
        await service.record_shipments(tx, shipments)

    return {
        OrderPlaced.event_type: on_orders_placed,
        ShipmentCreated.event_type: on_shipments_created,
        OrderReordered.event_type: on_orders_reordered,
    }


def build_handlers(deps: AftersalesDeps) -> dict[str, Handler]:
    async def on_order_paid(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderPaid)
        await service.record_payment(tx, RecordPayment(event.order_id, event.paid_total_fen))

    async def on_order_cancelled(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderCancelled)
        await service.record_progress(tx, RecordProgress(event.order_id, "cancelled", envelope.time))
        await tickets.order_cancelled(tx, event.order_id)

    async def on_order_shipped(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderShipped)
        await service.record_progress(tx, RecordProgress(event.order_id, "shipped", event.shipped_at))

    async def on_tracking_updated(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, TrackingUpdated)
        if event.status == "delivered":
            await service.record_progress(tx, RecordProgress(event.order_id, "delivered", event.occurred_at))

    async def on_shipment_delivered(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, ShipmentDelivered)
        await service.record_progress(tx, RecordProgress(event.order_id, "delivered", event.delivered_at))

    async def on_order_refunded(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderRefunded)
        if not event.ticket_id:  # a refund made on the platform, not one of our tickets'
            case_no = event.platform_case_no or f"platform:{envelope.id}"
            status = event.platform_status or PLATFORM_REFUNDED
            await record_platform_refund(
                tx, RecordPlatformRefund(event.order_id, event.refund_fen, event.reason, case_no, status)
            )

    async def on_product_updated(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, ProductUpdated)
        await service.record_category(tx, RecordCategory(event.sku, event.category, event.title, event.updated_at))

    async def on_return_waybill(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, ReturnWaybillIssued)
        await tickets.attach_waybill(tx, AttachReturnWaybill(event.ticket_id, event.carrier, event.waybill_no))

    return {
        OrderPaid.event_type: on_order_paid,
        OrderRefunded.event_type: on_order_refunded,
        OrderCancelled.event_type: on_order_cancelled,
        OrderShipped.event_type: on_order_shipped,
        TrackingUpdated.event_type: on_tracking_updated,
        ShipmentDelivered.event_type: on_shipment_delivered,
        ProductUpdated.event_type: on_product_updated,
        ReturnWaybillIssued.event_type: on_return_waybill,
    }

"""Message handlers for orders.v1: evaluate placed orders (a batch handler, `rules.placement`),
clear paid ones, close cancelled ones, re-check changed receivers (R15 and the receiver rules)
and changed remarks (R12).

Each runs inside the consumer's transaction (inbox claim, effects and outbox commit together)."""

from __future__ import annotations

import dataclasses

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    DomainEvent,
    OrderAddressChanged,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRemarksChanged,
    ShipmentCreated,
)
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import context, orders, timers, triggers
from rules.anomalies import service as anomaly_service
from rules.anomalies.lifecycle import Resolution
from rules.clearance import clear_if_unheld
from rules.engine.facts import order_facts
from rules.events_handlers import build_event_handlers
from rules.placement import FirstTimers, Placer
from rules.rulebook import RuleBook
from rules.settings import RulesSettings
from rules.shipments import ShipmentRecorder
from rules.timers import TimerKind

log = get_logger(__name__)


def build_batch_handlers(rulebook: RuleBook, settings: RulesSettings) -> dict[str, BatchHandler]:
    first_timers = FirstTimers.from_settings(settings)
    placer = Placer(rulebook, first_timers)
    # The same deadline rule as the R16 timer armed at placement.
    shipments = ShipmentRecorder(ship_within=first_timers.ship_within, warning=first_timers.warning)
    return {OrderPlaced.event_type: placer.place, ShipmentCreated.event_type: shipments.on_shipments_created}


def build_handlers(rulebook: RuleBook, settings: RulesSettings) -> dict[str, Handler]:
    """Every other handler: orders.v1 but order.placed, and the other services' events but
    shipment.created (both batch handlers, `rules.placement` and `rules.shipments`)."""
    first_timers = FirstTimers.from_settings(settings)

    async def arm_ship_deadline(tx: Tx, order: CanonicalOrder) -> None:
        for timer in first_timers.of(order):
            await timers.schedule(
                tx.conn, order.order_id, timer.kind, due_at=timer.due_at, reference_at=timer.reference_at, rearm=False
            )

    async def on_address_changed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderAddressChanged)
        record = await orders.lock(tx.conn, event.order_id)
        if record is None:
            raise RetryLater(f"order {event.order_id} changed before its placement arrived")
        changed = record.order.model_copy(update={"receiver": event.receiver})
        await orders.update_fields(
            tx.conn,
            event.order_id,
            snapshot=changed.model_dump(mode="json"),
            **orders.address_fields(changed.receiver),
        )
        record = dataclasses.replace(record, order=changed)
        lists = await context.receiver_lists(tx.conn, changed, order_facts(changed))
        await triggers.check(tx, rulebook, record, "address.changed", lists)

    async def on_remarks_changed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderRemarksChanged)
        record = await orders.lock(tx.conn, event.order_id)
        if record is None:
            raise RetryLater(f"order {event.order_id} remarks changed before its placement arrived")
        remarks = {"buyer_remark": event.buyer_remark, "seller_memo": event.seller_memo}
        changed = record.order.model_copy(update=remarks)
        await orders.update_fields(tx.conn, event.order_id, snapshot=changed.model_dump(mode="json"))
        await triggers.check(tx, rulebook, dataclasses.replace(record, order=changed), "remarks.changed")

    async def on_paid(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        paid_order = await on_order_paid(tx, envelope, event)
        if paid_order is not None:
            await arm_ship_deadline(tx, paid_order)

    return {
        OrderRemarksChanged.event_type: on_remarks_changed,
        OrderPaid.event_type: on_paid,
        OrderCancelled.event_type: on_order_cancelled,
        OrderAddressChanged.event_type: on_address_changed,
        **build_event_handlers(rulebook, settings),
    }


async def on_order_paid(tx: Tx, _: Envelope, event: DomainEvent) -> CanonicalOrder | None:
    """Returns the order as paid now; None when its payment was known already."""
    assert isinstance(event, OrderPaid)
    record = await orders.lock(tx.conn, event.order_id)
    if record is None:
        raise RetryLater(f"order {event.order_id} paid before its placement arrived")
    if record.paid:
        return None  # already known paid (placed paid, or a repeated payment notice)
    await timers.cancel(tx.conn, event.order_id, TimerKind.PAYMENT_OVERDUE)
    paid_order = record.order.model_copy(update={"paid_at": record.order.paid_at or event.paid_at})
    await orders.mark_paid(tx.conn, paid_order)
    cleared = await clear_if_unheld(
        tx, orders.OrderRecord(paid_order, True, record.rule_set_version, record.validated_at, record.cancelled_at)
    )
    log.info("order.payment_recorded", order_id=event.order_id, order_validated=cleared)
    return paid_order


async def on_order_cancelled(tx: Tx, _: Envelope, event: DomainEvent) -> None:
    assert isinstance(event, OrderCancelled)
    record = await orders.lock(tx.conn, event.order_id)
    if record is None:
        raise RetryLater(f"order {event.order_id} cancelled before its placement arrived")
    await orders.mark_cancelled(tx.conn, event.order_id, event.reason or "order cancelled")
    await timers.cancel(tx.conn, event.order_id)
    resolved = await anomaly_service.resolve_all(
        tx, event.order_id, Resolution.CANCELLED, by="system:order.cancelled", note=event.reason or None
    )
    log.info("order.cancellation_recorded", order_id=event.order_id, anomalies_resolved=len(resolved))

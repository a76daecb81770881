"""Handlers for fulfillment.v1 and notifications.v1: the facts other services report.

- stock.shortage → R09 (trigger stock.shortage)
- shipment.created → the waybill exists (R15); its ship deadline moves the R16 timer armed at
  payment (a batch handler: `rules.shipments`)
- shipment.dispatched → shipped: R16 timer cancelled, R17 timer armed
- shipment.tracking_updated → R17 timer re-armed; delivered cancels it; returned or exception
  (疑难, 拒签, 退回) → R17 at once
- notification.failed → R03 (trigger notification.failed), for orders this service knows
"""

from __future__ import annotations

from datetime import datetime, timedelta

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    DomainEvent,
    NotificationFailed,
    ShipmentDispatched,
    StockShortage,
    TrackingUpdated,
)
from orderhub_runtime.bus.consumer import Handler
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import orders, timers, triggers
from rules.rulebook import RuleBook
from rules.settings import RulesSettings
from rules.timers import TimerKind

log = get_logger(__name__)


async def _locked(tx: Tx, order_id: str) -> orders.OrderRecord:
    record = await orders.lock(tx.conn, order_id)
    if record is None:
        raise RetryLater(f"order {order_id}: fulfillment event before its placement arrived")
    return record


def build_event_handlers(rulebook: RuleBook, settings: RulesSettings) -> dict[str, Handler]:
    stall = timedelta(seconds=settings.logistics_stall_s)

    async def arm_logistics(tx: Tx, order_id: str, last_update: datetime) -> None:
        await timers.schedule(
            tx.conn, order_id, TimerKind.LOGISTICS, due_at=last_update + stall, reference_at=last_update, rearm=True
        )

    async def on_stock_shortage(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, StockShortage)
        record = await _locked(tx, event.order_id)
        short = sorted({line.sku for line in event.lines})
        await triggers.check(tx, rulebook, record, "stock.shortage", {"short_skus": short})

    async def on_dispatched(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, ShipmentDispatched)
        record = await _locked(tx, event.order_id)
        if record.shipped_at is None:
            await orders.update_fields(tx.conn, event.order_id, shipped_at=event.dispatched_at)
        await timers.cancel(tx.conn, event.order_id, TimerKind.SHIP_DEADLINE)
        await arm_logistics(tx, event.order_id, event.dispatched_at)

    async def on_tracking(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, TrackingUpdated)
        record = await _locked(tx, event.order_id)
        if record.shipped_at is None:  # a carrier scan means it left, whatever we heard before
            await orders.update_fields(tx.conn, event.order_id, shipped_at=event.occurred_at)
            await timers.cancel(tx.conn, event.order_id, TimerKind.SHIP_DEADLINE)
        if event.status == "delivered":
            await orders.update_fields(tx.conn, event.order_id, delivered_at=event.occurred_at)
            await timers.cancel(tx.conn, event.order_id, TimerKind.LOGISTICS)
        elif event.status in ("returned", "exception"):  # refused, sent back, or 疑难: R17 now
            await timers.cancel(tx.conn, event.order_id, TimerKind.LOGISTICS)
            record = await _locked(tx, event.order_id)
            await triggers.check(tx, rulebook, record, "logistics.check", {"carrier_returned": True})
        else:
            await arm_logistics(tx, event.order_id, event.occurred_at)

    async def on_notification_failed(tx: Tx, _: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, NotificationFailed)
        record = await orders.lock(tx.conn, event.order_id)
        if record is None:
            log.info("notification.failure_for_unknown_order", order_id=event.order_id)
            return
        extra = {"notification_channel": event.channel, "notification_error": event.error_code}
        await triggers.check(tx, rulebook, record, "notification.failed", extra)

    return {
        StockShortage.event_type: on_stock_shortage,
        ShipmentDispatched.event_type: on_dispatched,
        TrackingUpdated.event_type: on_tracking,
        NotificationFailed.event_type: on_notification_failed,
    }

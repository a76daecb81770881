"""Message handlers: each event notify consumes, mapped to its use case (`messages.service`).
Called by the runtime's consumer inside its transaction: they only record the messages (queued,
or failed when nobody can receive them); the sender delivers them once that transaction has
committed. Each event type has a batch handler (a run of one type is one statement); the single
handlers are its runs of one."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AnomalyRaised,
    CouponDrawRefused,
    CouponIssued,
    DomainEvent,
    OrderCancelled,
    OrderPlaced,
    OrderRefunded,
    ShipmentDispatched,
    WmsBridgeFailed,
)
from orderhub_runtime.bus.consumer import BatchHandler, Handler
from orderhub_runtime.db import Tx

from notify.deps import NotifyDeps
from notify.messages import service
from notify.returns import return_batch_handlers

Run = Sequence[tuple[Envelope, DomainEvent]]


def build_batch_handlers(deps: NotifyDeps) -> dict[str, BatchHandler]:
    async def on_orders_placed(tx: Tx, events: Run) -> None:
        await service.remember_customers(tx, [event for _, event in events if isinstance(event, OrderPlaced)])

    async def on_orders_refunded(tx: Tx, events: Run) -> None:
        refunds = [(envelope, event) for envelope, event in events if isinstance(event, OrderRefunded)]
        await service.notify_refunds(tx, deps, refunds)

    async def on_shipments_dispatched(tx: Tx, events: Run) -> None:
        dispatches = [(envelope, event) for envelope, event in events if isinstance(event, ShipmentDispatched)]
        await service.notify_dispatches(tx, deps, dispatches)

    async def on_wms_bridge_failed(tx: Tx, events: Run) -> None:
        failures = [(envelope, event) for envelope, event in events if isinstance(event, WmsBridgeFailed)]
        await service.notify_wms_failures(tx, deps, failures)

    async def on_anomalies_raised(tx: Tx, events: Run) -> None:
        raised = [(envelope, event) for envelope, event in events if isinstance(event, AnomalyRaised)]
        await service.notify_anomalies(tx, deps, raised)

    async def on_orders_cancelled(tx: Tx, events: Run) -> None:
        cancelled = [(envelope, event) for envelope, event in events if isinstance(event, OrderCancelled)]
        await service.notify_cancellations(tx, deps, cancelled)

    async def on_coupons_issued(tx: Tx, events: Run) -> None:
        issued = [(envelope, event) for envelope, event in events if isinstance(event, CouponIssued)]
        await service.notify_coupons(tx, deps, issued)

    async def on_coupons_refused(tx: Tx, events: Run) -> None:
        refused = [(envelope, event) for envelope, event in events if isinstance(event, CouponDrawRefused)]
        await service.notify_refused_coupons(tx, deps, refused)

    return {
        OrderCancelled.event_type: on_orders_cancelled,
        CouponIssued.event_type: on_coupons_issued,
        CouponDrawRefused.event_type: on_coupons_refused,
        AnomalyRaised.event_type: on_anomalies_raised,
        OrderPlaced.event_type: on_orders_placed,
        OrderRefunded.event_type: on_orders_refunded,
        ShipmentDispatched.event_type: on_shipments_dispatched,
        WmsBridgeFailed.event_type: on_wms_bridge_failed,
        **return_batch_handlers(deps),
    }


def build_handlers(deps: NotifyDeps) -> dict[str, Handler]:
    """One event at a time: a run of one of the batch handler of its type."""
    batch = build_batch_handlers(deps)

    def single(event_type: str) -> Handler:
        async def handle(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
            await batch[event_type](tx, [(envelope, event)])

        return handle

    return {event_type: single(event_type) for event_type in batch}

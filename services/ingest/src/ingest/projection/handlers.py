"""Message handlers of the status projection: every consumed event goes on the order's timeline,
and the ones that carry a status move it as `rules.decide` says. Called by the runtime consumer
inside its transaction (inbox claim, effects and outgoing events commit together)."""

from __future__ import annotations

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AnomalyRaised,
    DomainEvent,
    NotificationFailed,
    NotificationSent,
    OrderHeld,
    OrderValidated,
    ShipmentCreated,
    StockShortage,
)
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.bus.consumer import Handler
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from ingest.orders.repository import lock_status, set_status
from ingest.orders.timeline_repository import TimelineRecord, add_timeline, record_rejection
from ingest.projection.rules import Decision, Outcome, decide, target_status
from ingest.timeline import entry_for

log = get_logger(__name__)


async def project_event(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
    order_id = event.subject()
    locked = await lock_status(tx.conn, order_id)
    if locked is None:
        # Ingest is where every order starts, so this should not happen; retried, then dead-lettered.
        raise RetryLater(f"order {order_id} is not known to ingest")
    current, since = locked
    decision = decide(current, target_status(envelope.type), occurred_at=envelope.time, status_since=since)
    record = TimelineRecord(
        order_id=order_id,
        event_id=envelope.id,
        event_type=envelope.type,
        occurred_at=envelope.time,
        entry=entry_for(event),
        outcome=decision.outcome,
        status_from=current,
        status_path=decision.path,
    )
    if not await add_timeline(tx.conn, record):
        return  # already projected
    await _apply(tx, envelope, order_id, decision, current)


async def _apply(tx: Tx, envelope: Envelope, order_id: str, decision: Decision, current: OrderStatus) -> None:
    new_status = decision.new_status
    if decision.outcome is Outcome.APPLIED and new_status is not None:
        await set_status(tx.conn, order_id, new_status, since=envelope.time)
        log.info(
            "order.status_changed",
            order_id=order_id,
            status_from=current.value,
            status_to=new_status.value,
            implied=[s.value for s in decision.path[:-1]],
            event_type=envelope.type,
        )
    elif decision.outcome is Outcome.REJECTED and decision.target is not None:
        await record_rejection(
            tx.conn,
            order_id=order_id,
            event_id=envelope.id,
            event_type=envelope.type,
            from_status=current,
            to_status=decision.target,
        )
        log.warning(
            "order.transition_rejected",
            order_id=order_id,
            status_from=current.value,
            status_to=decision.target.value,
            event_type=envelope.type,
            event_id=envelope.id,
        )
    elif decision.outcome is Outcome.LATE:
        log.info("order.event_late", order_id=order_id, status=current.value, event_type=envelope.type)


# aftersales.v1 is subscribed too, but it defines no event types yet; its events are skipped.
HANDLERS: dict[str, Handler] = {
    cls.event_type: project_event
    for cls in (
        AnomalyRaised,
        OrderValidated,
        OrderHeld,
        StockShortage,
        ShipmentCreated,
        NotificationSent,
        NotificationFailed,
    )
}

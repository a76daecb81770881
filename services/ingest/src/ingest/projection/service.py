"""Message handlers of the status projection: every consumed event goes on the order's timeline,
and the ones that carry a status move it as `rules.decide` says. Called by the runtime consumer
inside its transaction (inbox claim, effects and outgoing events commit together).

A run of events (consecutive events of one type from one consumer batch) is projected set-based:
the orders are locked and read in one statement, each event is decided in partition order against
the status its predecessors in the run left (several events of one order in a run end exactly as
one by one), and every timeline row, refusal and final status is written in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AnomalyRaised,
    DomainEvent,
    NotificationFailed,
    NotificationSent,
    OrderCompleted,
    OrderHeld,
    OrderShipped,
    OrderValidated,
    OutboundStatusChanged,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentException,
    ShipmentIntercepted,
    ShipmentReleased,
    StockShortage,
    TrackingUpdated,
)
from orderhub_contracts.state_machine import OrderStatus
from orderhub_runtime.bus.errors import RetryLater
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from ingest.aftersales import PROJECTED_AFTERSALES
from ingest.orders.repository import TimelineRecord
from ingest.projection.repository import Rejection, lock_orders, record_outbound_statuses, write_run
from ingest.projection.rules import Decision, Outcome, decide, target_status
from ingest.timeline import entry_for

log = get_logger(__name__)


class ProjectedConcurrently(Exception):
    """Another transaction put one of the run's events on a timeline after the run read the
    timeline; the consumer replays the batch one event per transaction, which sorts it out."""


@dataclass(frozen=True, slots=True)
class _Step:
    envelope: Envelope
    record: TimelineRecord
    decision: Decision


async def project_run(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
    """The batch handler of every projected event type; a single event is a run of one."""
    order_ids = {event.subject() for _, event in items}
    locked = await lock_orders(tx.conn, order_ids, [envelope.id for envelope, _ in items])
    unknown = sorted(order_ids - locked.statuses.keys())
    if unknown:
        # Ingest is where every order starts, so this should not happen; retried, then dead-lettered.
        raise RetryLater(f"order {', '.join(unknown)} is not known to ingest")
    state = dict(locked.statuses)
    seen = set(locked.seen)
    steps: list[_Step] = []
    moved: set[str] = set()  # every order a step applied to is written, even if it ends where it began
    for envelope, event in items:
        if envelope.id in seen:
            continue  # already projected
        seen.add(envelope.id)
        order_id = event.subject()
        current, since = state[order_id]
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
        steps.append(_Step(envelope, record, decision))
        if decision.outcome is Outcome.APPLIED and decision.new_status is not None:
            state[order_id] = (decision.new_status, envelope.time)
            moved.add(order_id)
    if not steps:
        return
    statuses = {order_id: state[order_id] for order_id in sorted(moved)}
    inserted = await write_run(tx.conn, [s.record for s in steps], statuses, _rejections(steps))
    if len(inserted) != len(steps):
        raise ProjectedConcurrently(f"events {sorted({s.envelope.id for s in steps} - inserted)} projected meanwhile")
    await record_outbound_statuses(tx.conn, _outbound_statuses(steps, items))
    for step in steps:
        _log(step)


def _outbound_statuses(
    steps: Sequence[_Step], items: Sequence[tuple[Envelope, DomainEvent]]
) -> list[tuple[str, str, datetime]]:
    """(order ID, status, at) of the run's newly projected outbound.status_changed, in run order."""
    projected = {s.envelope.id for s in steps}
    return [
        (event.order_id, event.status, event.at)
        for envelope, event in items
        if isinstance(event, OutboundStatusChanged) and envelope.id in projected
    ]


def _rejections(steps: Sequence[_Step]) -> list[Rejection]:
    return [
        Rejection(s.record.order_id, s.envelope.id, s.envelope.type, _from(s), s.decision.target)
        for s in steps
        if s.decision.outcome is Outcome.REJECTED and s.decision.target is not None
    ]


def _from(step: _Step) -> OrderStatus:
    assert step.record.status_from is not None  # every projected record has one
    return step.record.status_from


def _log(step: _Step) -> None:
    envelope, record, decision = step.envelope, step.record, step.decision
    current = _from(step)
    if decision.outcome is Outcome.APPLIED and decision.new_status is not None:
        log.info(
            "order.status_changed",
            order_id=record.order_id,
            status_from=current.value,
            status_to=decision.new_status.value,
            implied=[s.value for s in decision.path[:-1]],
            event_type=envelope.type,
            event_id=envelope.id,
            correlation_id=envelope.correlation_id or envelope.id,
        )
    elif decision.outcome is Outcome.REJECTED and decision.target is not None:
        log.warning(
            "order.transition_rejected",
            order_id=record.order_id,
            status_from=current.value,
            status_to=decision.target.value,
            event_type=envelope.type,
            event_id=envelope.id,
            correlation_id=envelope.correlation_id or envelope.id,
        )
    elif decision.outcome is Outcome.LATE:
        log.info(
            "order.event_late",
            order_id=record.order_id,
            status=current.value,
            event_type=envelope.type,
            event_id=envelope.id,
            correlation_id=envelope.correlation_id or envelope.id,
        )


PROJECTED: tuple[type[DomainEvent], ...] = (
    AnomalyRaised,
    OrderValidated,
    OrderHeld,
    StockShortage,
    ShipmentCreated,
    ShipmentIntercepted,
    ShipmentReleased,
    ShipmentDispatched,
    OutboundStatusChanged,
    OrderShipped,
    NotificationSent,
    NotificationFailed,
    TrackingUpdated,
    ShipmentDelivered,
    ShipmentException,
    OrderCompleted,
    *PROJECTED_AFTERSALES,  # every ticket transition on the timeline
)

"""What an incoming event does to an order's status: a pure decision, no I/O.

Events reach ingest from several topics, so one order's events can arrive out of causal order
(a shipment before the clearance that caused it). The state machine's main line fills in the
implied steps; an event the order has already moved past is late and changes nothing; anything
else the transition table does not allow is refused, recorded, and never applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub_contracts.events import (
    OrderCompleted,
    OrderHeld,
    OrderShipped,
    OrderValidated,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentReleased,
)
from orderhub_contracts.state_machine import OrderStatus, can_transition, forward_path, is_behind

# Events that move the status; every other consumed event only adds to the timeline.
TARGET_STATUS: dict[str, OrderStatus] = {
    OrderValidated.event_type: OrderStatus.VALIDATED,
    OrderHeld.event_type: OrderStatus.ON_HOLD,
    ShipmentCreated.event_type: OrderStatus.ALLOCATED,
    ShipmentReleased.event_type: OrderStatus.ALLOCATED,  # an intercepted parcel released with the hold
    OrderShipped.event_type: OrderStatus.SHIPPED,  # every parcel has left (shipment.dispatched: one did)
    ShipmentDelivered.event_type: OrderStatus.DELIVERED,
    OrderCompleted.event_type: OrderStatus.COMPLETED,
}


class Outcome(StrEnum):
    APPLIED = "applied"  # the status moved (possibly through implied steps)
    UNCHANGED = "unchanged"  # the order already has the target status
    LATE = "late"  # the order is already past the target: a late event, timeline only
    REJECTED = "rejected"  # the transition table does not allow it: recorded, never applied
    INFO = "info"  # the event carries no status (anomaly, shortage, notification)


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    path: tuple[OrderStatus, ...] = ()  # statuses to pass through; the last one is the new status
    target: OrderStatus | None = None

    @property
    def new_status(self) -> OrderStatus | None:
        return self.path[-1] if self.path else None


def target_status(event_type: str) -> OrderStatus | None:
    return TARGET_STATUS.get(event_type)


def decide(
    current: OrderStatus,
    target: OrderStatus | None,
    *,
    occurred_at: datetime | None = None,
    status_since: datetime | None = None,
) -> Decision:
    """The outcome of asking an order in `current` to reach `target`.

    `occurred_at` is the event's time and `status_since` the time of the event behind the
    current status; they matter only for an on-hold order: leaving a hold through implied steps
    (a shipment seen after the hold) means the hold was released first, unless the event is older
    than the hold, in which case it is a late event from before the hold.
    """
    if target is None:
        return Decision(Outcome.INFO)
    if target == current:
        return Decision(Outcome.UNCHANGED, target=target)
    if can_transition(current, target):
        return Decision(Outcome.APPLIED, (target,), target)
    path = forward_path(current, target)
    if path:
        if current is OrderStatus.ON_HOLD and _older(occurred_at, status_since):
            return Decision(Outcome.LATE, target=target)
        return Decision(Outcome.APPLIED, tuple(path), target)
    if is_behind(current, target):
        return Decision(Outcome.LATE, target=target)
    return Decision(Outcome.REJECTED, target=target)


def _older(occurred_at: datetime | None, status_since: datetime | None) -> bool:
    return occurred_at is not None and status_since is not None and occurred_at < status_since

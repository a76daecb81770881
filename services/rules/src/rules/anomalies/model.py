"""The anomaly lifecycle: open → acknowledged → resolved (released | cancelled).

Acknowledging is optional: an open anomaly can be released or cancelled directly. A resolved
anomaly is final. Until it is resolved, a holding anomaly keeps its order held. A level-1 hit
(提醒: a remark tag, a split, a payment reminder) needs no person: it is stored resolved as
`automatic` the moment it is raised, its actions carried out by the services that act on
`anomaly.raised`; it never enters the queue."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    RELEASED = "released"
    CANCELLED = "cancelled"
    AUTOMATIC = "automatic"  # a level-1 hit: closed by itself when raised, no person involved


class Step(StrEnum):
    ACK = "ack"
    RELEASE = "release"
    CANCEL = "cancel"


AUTOMATIC_BY = "系统"  # resolved_by of an automatic resolution
UNRESOLVED: frozenset[Status] = frozenset({Status.OPEN, Status.ACKNOWLEDGED})
ALLOWED_FROM: dict[Step, frozenset[Status]] = {
    Step.ACK: frozenset({Status.OPEN}),
    Step.RELEASE: UNRESOLVED,
    Step.CANCEL: UNRESOLVED,
}


class IllegalStep(ValueError):
    def __init__(self, step: Step, status: Status, resolution: Resolution | None = None) -> None:
        state = f"{status} ({resolution})" if resolution else str(status)
        super().__init__(f"cannot {step} an anomaly that is {state}")
        self.step = step
        self.status = status


def check_step(step: Step, status: Status, resolution: Resolution | None = None) -> None:
    if status not in ALLOWED_FROM[step]:
        raise IllegalStep(step, status, resolution)


def closes_by_itself(level: int, holds: bool) -> bool:
    """A level-1 hit that holds nothing is done once its actions are: nobody has to handle it."""
    return level == 1 and not holds

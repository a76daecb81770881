"""Durable timers: their kinds (each a rule trigger) and a timer found due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class TimerKind(StrEnum):
    PAYMENT_OVERDUE = "payment.overdue"  # reference: the order's creation
    SHIP_DEADLINE = "ship_deadline.near"  # reference: the ship deadline
    LOGISTICS = "logistics.check"  # reference: the last dispatch or tracking update


@dataclass(frozen=True)
class DueTimer:
    order_id: str
    kind: TimerKind
    due_at: datetime
    reference_at: datetime


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start) / timedelta(minutes=1))

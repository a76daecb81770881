"""What the KPIs are computed from, and what they answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Response:
    """One anomaly and the first contact with the customer after it was raised (if any)."""

    anomaly_id: str
    order_id: str
    rule_id: str
    rule_name: str
    level: int
    raised_at: datetime
    contact_at: datetime | None
    contact_kind: str | None
    contact_agent: str | None

    @property
    def seconds(self) -> float | None:
        return None if self.contact_at is None else (self.contact_at - self.raised_at).total_seconds()


@dataclass(frozen=True, slots=True)
class StaffAction:
    event_id: str
    actor: str
    action: str
    subject: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Summary:
    """Response times of a group of anomalies: contacted ones give the average and the p90."""

    anomalies: int
    contacted: int
    average_s: float | None
    p90_s: float | None


@dataclass(frozen=True, slots=True)
class Handled:
    """省: what one agent handled on one Asia/Shanghai day, and the list behind the number."""

    day: date
    agent: str
    count: int
    actions: tuple[StaffAction, ...]

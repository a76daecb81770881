"""A range of Asia/Shanghai business days, and the instants that bound it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from orderhub_contracts.timezone import SHANGHAI, as_shanghai
from orderhub_runtime.errors import DomainError

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DayRange:
    first: date
    last: date

    @classmethod
    def of(cls, day: date | None, start: date | None, end: date | None, *, today: date) -> DayRange:
        """One day (`date`), a range (`from`..`to`, both included), or today."""
        if day is not None and (start is not None or end is not None):
            raise DomainError("give either date or from/to, not both")
        first, last = (day, day) if day is not None else (start or end or today, end or start or today)
        if last < first:
            raise DomainError(f"the range ends ({last}) before it starts ({first})")
        if (last - first).days >= MAX_DAYS:
            raise DomainError(f"a range covers at most {MAX_DAYS} days")
        return cls(first, last)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), SHANGHAI)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def business_day(moment: datetime) -> date:
    return as_shanghai(moment).date()

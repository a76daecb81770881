"""The order heat analysis: repurchase within N days of a customer's first order, by the weekday
and hour (Asia/Shanghai) of that first order, optionally for one coupon or promotion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
NO_COUPON = "无优惠"


@dataclass(frozen=True, slots=True)
class Cell:
    weekday: int  # 1 = Monday .. 7 = Sunday (ISO)
    hour: int  # 0..23
    customers: int  # first-time customers whose first order fell in this hour
    repurchased: int  # of them, those who ordered again within the window

    @property
    def rate(self) -> float | None:
        return self.repurchased / self.customers if self.customers else None


@dataclass(frozen=True, slots=True)
class HeatMap:
    coupon: str | None  # None: every customer; NO_COUPON or a coupon label: only those
    window_days: int
    min_customers: int  # cells with fewer customers are marked thin, not coloured as if sure
    since: datetime
    until: datetime  # first orders in [since, until) whose window has closed
    cells: tuple[Cell, ...]  # only cells with at least one customer

    @property
    def customers(self) -> int:
        return sum(c.customers for c in self.cells)

    @property
    def repurchased(self) -> int:
        return sum(c.repurchased for c in self.cells)

    @property
    def rate(self) -> float | None:
        return self.repurchased / self.customers if self.customers else None

    def thin(self, cell: Cell) -> bool:
        return cell.customers < self.min_customers

    def ranked(self) -> list[Cell]:
        """Cells with enough customers, highest repurchase rate first."""
        return sorted((c for c in self.cells if not self.thin(c)), key=lambda c: (-(c.rate or 0.0), -c.customers))


@dataclass(frozen=True, slots=True)
class CouponShare:
    coupon: str
    customers: int
    repurchased: int

    @property
    def rate(self) -> float | None:
        return self.repurchased / self.customers if self.customers else None

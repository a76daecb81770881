"""When an order's timers fall due, from the settings: the policy placement, payment, shipments
and tracking updates arm them by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from orderhub_contracts.order import CanonicalOrder

from rules.placement.repository import NewTimer
from rules.settings import RulesSettings
from rules.timers.model import TimerKind


@dataclass(frozen=True)
class TimerPolicy:
    """The timers an order starts with: R04 for an unpaid order; R16 from payment on, shipment
    or not (an order that never gets allocated is the one most at risk; fulfillment's own
    deadline, when a shipment brings one, moves it). Presale lines ship on their own date.
    R17 is armed at dispatch and moved by every tracking update."""

    unpaid_after: timedelta
    ship_within: timedelta  # deadline after payment when fulfillment gives none
    warning: timedelta  # the R16 check runs this long before the deadline
    logistics_stall: timedelta

    @classmethod
    def from_settings(cls, settings: RulesSettings) -> TimerPolicy:
        return cls(
            unpaid_after=timedelta(seconds=settings.unpaid_after_s),
            ship_within=timedelta(seconds=settings.in_stock_ship_within_s),
            warning=timedelta(seconds=settings.ship_deadline_warning_s),
            logistics_stall=timedelta(seconds=settings.logistics_stall_s),
        )

    def first_timers(self, order: CanonicalOrder) -> list[NewTimer]:
        if order.paid_at is None:
            return [NewTimer(TimerKind.PAYMENT_OVERDUE, order.created_at + self.unpaid_after, order.created_at)]
        if all(item.presale for item in order.items):
            return []
        deadline = order.paid_at + self.ship_within
        return [NewTimer(TimerKind.SHIP_DEADLINE, deadline - self.warning, deadline)]

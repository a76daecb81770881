"""Placing orders: what the rules service does with a run of `order.placed` events from one
consumer batch, set-based. The orders are recorded (a redelivered placement under a new event
ID is recognised by its order row and changes nothing), their context facts are recorded and
read, every rule is evaluated, the anomalies are stored in one statement, and each order gets
its AnomalyRaised events followed by OrderHeld (a hit holds it) or OrderValidated (paid and
unheld); an unpaid, unheld order waits for its payment. A run of one is a single placement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent, OrderPlaced, OrderValidated
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import context, orders
from rules.anomalies import repository as anomaly_repo
from rules.anomalies.repository import NewAnomaly
from rules.engine.evaluate import Hit, evaluate
from rules.engine.facts import placement_facts
from rules.raising import ANOMALY_CHANNEL, hold_event, new_anomalies, raised_event
from rules.rulebook import RuleBook
from rules.settings import RulesSettings
from rules.timers import TimerKind

log = get_logger(__name__)


@dataclass(frozen=True)
class FirstTimers:
    """The timers an order starts with: R04 for an unpaid order; R16 from payment on, shipment
    or not (an order that never gets allocated is the one most at risk; fulfillment's own
    deadline, when a shipment brings one, moves it). Presale lines ship on their own date."""

    unpaid_after: timedelta
    ship_within: timedelta
    warning: timedelta

    @classmethod
    def from_settings(cls, settings: RulesSettings) -> FirstTimers:
        return cls(
            unpaid_after=timedelta(seconds=settings.unpaid_after_s),
            ship_within=timedelta(seconds=settings.in_stock_ship_within_s),
            warning=timedelta(seconds=settings.ship_deadline_warning_s),
        )

    def of(self, order: CanonicalOrder) -> list[context.NewTimer]:
        if order.paid_at is None:
            return [context.NewTimer(TimerKind.PAYMENT_OVERDUE, order.created_at + self.unpaid_after, order.created_at)]
        if all(item.presale for item in order.items):
            return []
        deadline = order.paid_at + self.ship_within
        return [context.NewTimer(TimerKind.SHIP_DEADLINE, deadline - self.warning, deadline)]


@dataclass(frozen=True)
class _Checked:
    envelope: Envelope
    order: CanonicalOrder
    rule_set_version: int
    hits: list[Hit]
    anomalies: list[NewAnomaly]


class Placer:
    def __init__(self, rulebook: RuleBook, first_timers: FirstTimers) -> None:
        self._rulebook = rulebook
        self._first_timers = first_timers

    async def place(self, tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """The batch handler for order.placed (see the module docstring)."""
        await self._rulebook.ensure_seeded(tx.conn)
        unique: dict[str, tuple[Envelope, CanonicalOrder]] = {}
        for envelope, event in items:
            assert isinstance(event, OrderPlaced)
            unique.setdefault(event.order.order_id, (envelope, event.order))
        versions = await orders.record_many(tx.conn, [order for _, order in unique.values()])
        fresh = [(env, order) for env, order in unique.values() if order.order_id in versions]
        for order_id in unique.keys() - versions.keys():
            log.info("order.placement_duplicate_ignored", order_id=order_id)
        placements = [context.Placement(o, placement_facts(o), self._first_timers.of(o)) for _, o in fresh]
        known = await context.record_placements(tx.conn, placements)
        checked: list[_Checked] = []
        for (envelope, order), placement, facts in zip(fresh, placements, known, strict=True):
            rule_set = await self._rulebook.version(tx.conn, versions[order.order_id])
            hits = evaluate(rule_set, {**placement.facts, **facts})
            raised = new_anomalies(order, hits, rule_set.version)
            checked.append(_Checked(envelope, order, rule_set.version, hits, raised))
        await anomaly_repo.insert_many(
            tx.conn, [a for c in checked for a in c.anomalies], notify_channel=ANOMALY_CHANNEL
        )
        validated = [c.order.order_id for c in checked if await self._publish(tx, c)]
        await orders.mark_validated_many(tx.conn, validated)

    @staticmethod
    async def _publish(tx: Tx, checked: _Checked) -> bool:
        """Publish the order's outcome; returns whether it was validated. A fresh order is
        neither cancelled nor shipped, so paid and unheld is all clearance needs here."""
        tx.acting_on(checked.envelope)
        order = checked.order
        for anomaly in checked.anomalies:
            await tx.publish(raised_event(order, anomaly))
        holding = [h for h in checked.hits if h.rule.holds]
        if holding:
            await tx.publish(hold_event(order.order_id, holding))
            outcome = "held"
        elif order.is_paid:
            await tx.publish(OrderValidated(order=order, rule_set_version=checked.rule_set_version))
            outcome = "validated"
        else:
            outcome = "awaiting_payment"
        log.info(
            "order.checked",
            order_id=order.order_id,
            outcome=outcome,
            rule_ids=[h.rule.id for h in checked.hits],
            rule_set_version=checked.rule_set_version,
        )
        return outcome == "validated"

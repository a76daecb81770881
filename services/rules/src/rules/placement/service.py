"""Placing orders: what the rules service does with a run of `order.placed` events from one
consumer batch, set-based. The orders are recorded (a redelivered placement under a new event
ID is recognised by its order row and changes nothing), their context facts are recorded and
read, every rule is evaluated, the anomalies are stored in one statement, and each order gets
its AnomalyRaised events followed by OrderHeld (a hit holds it) or OrderValidated (paid and
unheld); an unpaid, unheld order waits for its payment. A run of one is a single placement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import OrderValidated
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules.anomalies import repository as anomaly_repo
from rules.anomalies.repository import NewAnomaly
from rules.anomalies.service import ANOMALY_CHANNEL, hold_event, new_anomalies, raised_event
from rules.deps import RulesDeps
from rules.engine.evaluate import Hit, evaluate
from rules.engine.facts import placement_facts
from rules.orders import repository as orders
from rules.placement import repository as context

log = get_logger(__name__)


@dataclass(frozen=True)
class _Checked:
    envelope: Envelope
    order: CanonicalOrder
    rule_set_version: int
    hits: list[Hit]
    anomalies: list[NewAnomaly]


async def place(tx: Tx, placed: Sequence[tuple[Envelope, CanonicalOrder]], deps: RulesDeps) -> None:
    """Check a run of placed orders (see the module docstring). An active rule set must exist
    (it is stored at start-up): each order is checked by the version active when it is recorded."""
    await deps.rulebook.active(tx.conn)  # refuse the run (retried) rather than record it unchecked
    unique: dict[str, tuple[Envelope, CanonicalOrder]] = {}
    for envelope, order in placed:
        unique.setdefault(order.order_id, (envelope, order))
    versions = await orders.record_many(tx.conn, [order for _, order in unique.values()])
    fresh = [(env, order) for env, order in unique.values() if order.order_id in versions]
    for order_id in unique.keys() - versions.keys():
        log.info("order.placement_duplicate_ignored", order_id=order_id)
    placements = [
        context.Placement(o, placement_facts(o, rates=deps.rates), deps.timers.first_timers(o)) for _, o in fresh
    ]
    known = await context.record_placements(tx.conn, placements)
    checked: list[_Checked] = []
    for (envelope, order), placement, facts in zip(fresh, placements, known, strict=True):
        rule_set = await deps.rulebook.version(tx.conn, versions[order.order_id])
        hits = evaluate(rule_set, {**placement.facts, **facts})
        raised = new_anomalies(order, hits, rule_set.version)
        checked.append(_Checked(envelope, order, rule_set.version, hits, raised))
    await anomaly_repo.insert_many(tx.conn, [a for c in checked for a in c.anomalies], notify_channel=ANOMALY_CHANNEL)
    validated = [c.order.order_id for c in checked if await _publish(tx, c)]
    await orders.mark_validated_many(tx.conn, validated)


async def _publish(tx: Tx, checked: _Checked) -> bool:
    """Publish the order's outcome; returns whether it was validated. A fresh order is neither
    cancelled nor shipped, so paid and unheld is all clearance needs here."""
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

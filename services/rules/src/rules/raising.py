"""Turning rule hits into anomalies: store them, publish AnomalyRaised (notify sends its SMS and
WeCom actions from it), and hold the order (OrderHeld) when any hit holds.

At placement every hit is new. For later triggers (timers, other services' events) a rule that
already has an unresolved anomaly on the order is not raised again. A hold that comes after the
order was validated is still published (fulfillment intercepts an allocated order on it) and
marks the order for revalidation when released; a shipped order is past holding."""

from __future__ import annotations

import uuid

from orderhub_contracts.events import AnomalyAction, AnomalyRaised, OrderHeld
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import orders
from rules.anomalies import repository as anomaly_repo
from rules.anomalies.repository import NewAnomaly
from rules.engine.evaluate import Hit

log = get_logger(__name__)
ANOMALY_CHANNEL = "rules_anomaly_raised"  # Postgres NOTIFY channel the live stream listens on


def new_anomalies(order: CanonicalOrder, hits: list[Hit], rule_set_version: int) -> list[NewAnomaly]:
    return [NewAnomaly(uuid.uuid4(), order.order_id, hit, rule_set_version) for hit in hits]


def raised_event(order: CanonicalOrder, anomaly: NewAnomaly) -> AnomalyRaised:
    rule = anomaly.hit.rule
    return AnomalyRaised(
        anomaly_id=str(anomaly.anomaly_id),
        order_id=order.order_id,
        rule_id=rule.id,
        rule_name=rule.name,
        level=rule.level,
        holds=rule.holds,
        evidence=anomaly.hit.evidence,
        actions=tuple(AnomalyAction(kind=a.kind, target=a.target, text=a.text) for a in rule.actions),
        province=order.receiver.province,
        channel=order.channel.value,
        customer_phone=order.receiver.phone,
    )


def hold_event(order_id: str, holding: list[Hit]) -> OrderHeld:
    return OrderHeld(
        order_id=order_id,
        rule_ids=tuple(h.rule.id for h in holding),
        reasons=tuple(f"{h.rule.id} {h.rule.name}" for h in holding),
    )


async def raise_hits(tx: Tx, order: CanonicalOrder, hits: list[Hit], rule_set_version: int) -> list[Hit]:
    """Store and publish `hits`; returns the holding ones (the caller decides about OrderHeld)."""
    new = new_anomalies(order, hits, rule_set_version)
    await anomaly_repo.insert_many(tx.conn, new, notify_channel=ANOMALY_CHANNEL)
    for anomaly in new:
        await tx.publish(raised_event(order, anomaly))
        log.info("anomaly.raised", order_id=order.order_id, rule_id=anomaly.hit.rule.id, level=anomaly.hit.rule.level)
    return [h for h in hits if h.rule.holds]


async def raise_later(tx: Tx, record: orders.OrderRecord, hits: list[Hit], rule_set_version: int) -> list[Hit]:
    """Raise hits found after placement (`record` locked). Returns the hits actually raised."""
    open_rules = await anomaly_repo.unresolved_rule_ids(tx.conn, record.order_id)
    fresh = [h for h in hits if h.rule.id not in open_rules]
    holding = await raise_hits(tx, record.order, fresh, rule_set_version)
    if holding and record.cancelled_at is None and record.shipped_at is None:
        if record.validated_at is not None:
            await orders.update_fields(tx.conn, record.order_id, needs_revalidation=True)
        await tx.publish(hold_event(record.order_id, holding))
        log.info("order.held", order_id=record.order_id, rule_ids=[h.rule.id for h in holding])
    return fresh

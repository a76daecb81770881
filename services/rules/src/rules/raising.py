"""Turning rule hits into anomalies: store each, publish AnomalyRaised (notify sends its SMS and
WeCom actions from it), and hold the order (OrderHeld) when any hit holds.

At placement every hit is new. For later triggers (timers, other services' events) a rule that
already has an unresolved anomaly on the order is not raised again. A hold that comes after the
order was validated is still published (fulfillment intercepts an allocated order on it) and
marks the order for revalidation when released; a shipped order is past holding."""

from __future__ import annotations

from orderhub_contracts.events import AnomalyAction, AnomalyRaised, OrderHeld
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from rules import orders
from rules.anomalies import repository as anomaly_repo
from rules.engine.evaluate import Hit

log = get_logger(__name__)
ANOMALY_CHANNEL = "rules_anomaly_raised"  # Postgres NOTIFY channel the live stream listens on


async def raise_hits(tx: Tx, order: CanonicalOrder, hits: list[Hit], rule_set_version: int) -> list[Hit]:
    """Store and publish `hits`; returns the holding ones (the caller decides about OrderHeld)."""
    for hit in hits:
        await _raise_anomaly(tx, order, hit, rule_set_version)
    return [h for h in hits if h.rule.holds]


async def publish_hold(tx: Tx, order_id: str, holding: list[Hit]) -> None:
    await tx.publish(
        OrderHeld(
            order_id=order_id,
            rule_ids=tuple(h.rule.id for h in holding),
            reasons=tuple(f"{h.rule.id} {h.rule.name}" for h in holding),
        )
    )
    log.info("order.held", order_id=order_id, rule_ids=[h.rule.id for h in holding])


async def raise_later(tx: Tx, record: orders.OrderRecord, hits: list[Hit], rule_set_version: int) -> list[Hit]:
    """Raise hits found after placement (`record` locked). Returns the hits actually raised."""
    open_rules = await anomaly_repo.unresolved_rule_ids(tx.conn, record.order_id)
    fresh = [h for h in hits if h.rule.id not in open_rules]
    holding = await raise_hits(tx, record.order, fresh, rule_set_version)
    if holding and record.cancelled_at is None and record.shipped_at is None:
        if record.validated_at is not None:
            await orders.update_fields(tx.conn, record.order_id, needs_revalidation=True)
        await publish_hold(tx, record.order_id, holding)
    return fresh


async def _raise_anomaly(tx: Tx, order: CanonicalOrder, hit: Hit, rule_set_version: int) -> None:
    anomaly_id = await anomaly_repo.insert(
        tx.conn, order.order_id, hit, rule_set_version, notify_channel=ANOMALY_CHANNEL
    )
    await tx.publish(
        AnomalyRaised(
            anomaly_id=str(anomaly_id),
            order_id=order.order_id,
            rule_id=hit.rule.id,
            rule_name=hit.rule.name,
            level=hit.rule.level,
            holds=hit.rule.holds,
            evidence=hit.evidence,
            actions=tuple(AnomalyAction(kind=a.kind, target=a.target, text=a.text) for a in hit.rule.actions),
            province=order.receiver.province,
            channel=order.channel.value,
            customer_phone=order.receiver.phone,
        )
    )
    log.info("anomaly.raised", order_id=order.order_id, rule_id=hit.rule.id, level=hit.rule.level)

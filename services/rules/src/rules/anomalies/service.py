"""The anomaly use cases: raising rule hits (and holding the order), clearing an order no
anomaly holds, and what customer service does with an anomaly: acknowledge, release, cancel.

Raising: hits are stored, AnomalyRaised is published (notify sends its SMS and WeCom actions
from it), and OrderHeld when any hit holds. A level-1 hit is stored resolved as `automatic`
(its actions are all there is to it), so it never waits in the queue. At placement every hit is new; for later triggers
(timers, other services' events) a rule that already has an unresolved anomaly on the order is
not raised again. A hold that comes after the order was validated is still published
(fulfillment intercepts an allocated order on it) and marks the order for revalidation when
released; a shipped order is past holding.

Clearing: OrderValidated is published for a paid order that is not cancelled and that no
unresolved anomaly holds. Placement, payment and release all end here. It is published once,
and once more after each later hold is released: that is how fulfillment lets the order go on.

Customer service: each command locks the order row, then the anomaly, so it serialises with
payment and with other commands on the same order; the lifecycle decides what is legal (409
otherwise)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from orderhub_contracts.events import (
    AnomalyAcknowledged,
    AnomalyAction,
    AnomalyRaised,
    AnomalyResolved,
    OrderHeld,
    OrderValidated,
)
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger

from rules.anomalies import repository as repo
from rules.anomalies.model import IllegalStep, Resolution, Step, check_step
from rules.anomalies.repository import NewAnomaly
from rules.engine.evaluate import Hit
from rules.orders import repository as orders
from rules.orders.repository import OrderRecord

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
    await repo.insert_many(tx.conn, new, notify_channel=ANOMALY_CHANNEL)
    for anomaly in new:
        await tx.publish(raised_event(order, anomaly))
        log.info("anomaly.raised", order_id=order.order_id, rule_id=anomaly.hit.rule.id, level=anomaly.hit.rule.level)
    return [h for h in hits if h.rule.holds]


async def raise_later(tx: Tx, record: OrderRecord, hits: list[Hit], rule_set_version: int) -> list[Hit]:
    """Raise hits found after placement (`record` locked). Returns the hits actually raised."""
    open_rules = await repo.unresolved_rule_ids(tx.conn, record.order_id)
    fresh = [h for h in hits if h.rule.id not in open_rules]
    holding = await raise_hits(tx, record.order, fresh, rule_set_version)
    if holding and record.cancelled_at is None and record.shipped_at is None:
        if record.validated_at is not None:
            await orders.update_fields(tx.conn, record.order_id, needs_revalidation=True)
        await tx.publish(hold_event(record.order_id, holding))
        log.info("order.held", order_id=record.order_id, rule_ids=[h.rule.id for h in holding])
    return fresh


async def clear_if_unheld(tx: Tx, record: OrderRecord, *, known_unheld: bool = False) -> bool:
    """`record` must be locked in this transaction (inserted or locked); `known_unheld`:
    the caller has just placed it without a hold, so there is nothing to count.
    Returns whether the order was cleared now."""
    if not record.paid or record.cancelled_at is not None or record.shipped_at is not None:
        return False
    if record.validated_at is not None and not record.needs_revalidation:
        return False
    if not known_unheld and await repo.count_unresolved_holds(tx.conn, record.order_id) > 0:
        return False
    await tx.publish(OrderValidated(order=record.order, rule_set_version=record.rule_set_version))
    await orders.mark_validated(tx.conn, record.order_id)
    log.info("order.validated", order_id=record.order_id, rule_set_version=record.rule_set_version)
    return True


@dataclass(frozen=True)
class Outcome:
    anomaly: repo.Anomaly
    resolved_anomaly_ids: list[uuid.UUID] = field(default_factory=list)
    order_validated: bool = False


async def acknowledge(tx: Tx, anomaly_id: uuid.UUID, *, by: str, note: str | None) -> Outcome:
    anomaly, _ = await _locked(tx, anomaly_id, Step.ACK)
    await repo.acknowledge(tx.conn, anomaly_id, by=by, note=note)
    acknowledged = await _reload(tx, anomaly_id)
    assert acknowledged.acknowledged_at is not None
    response_s = (acknowledged.acknowledged_at - acknowledged.raised_at).total_seconds()
    await tx.publish(
        AnomalyAcknowledged(
            anomaly_id=str(anomaly_id),
            order_id=anomaly.order_id,
            rule_id=anomaly.rule_id,
            acknowledged_by=by,
            response_seconds=max(response_s, 0.0),
        )
    )
    log.info("anomaly.acknowledged", anomaly_id=str(anomaly_id), order_id=anomaly.order_id, rule_id=anomaly.rule_id)
    return Outcome(acknowledged)


async def release(tx: Tx, anomaly_id: uuid.UUID, *, by: str, note: str | None) -> Outcome:
    """Resolve this anomaly as released; if it was the order's last hold, the order goes on."""
    anomaly, record = await _locked(tx, anomaly_id, Step.RELEASE)
    resolved = await resolve_all(
        tx, anomaly.order_id, Resolution.RELEASED, by=by, note=note, anomaly_id=anomaly_id, contact=True
    )
    validated = anomaly.holds and await clear_if_unheld(tx, record)
    log.info("anomaly.released", anomaly_id=str(anomaly_id), order_id=anomaly.order_id, order_validated=validated)
    return Outcome(await _reload(tx, anomaly_id), resolved, validated)


async def cancel(tx: Tx, anomaly_id: uuid.UUID, *, by: str, note: str | None) -> Outcome:
    """The order is not to be fulfilled: resolve all its open anomalies as cancelled and make
    sure a later payment does not clear it. The order's own cancellation is ingest's event."""
    anomaly, _ = await _locked(tx, anomaly_id, Step.CANCEL)
    resolved = await resolve_all(tx, anomaly.order_id, Resolution.CANCELLED, by=by, note=note, contact=True)
    await orders.mark_cancelled(tx.conn, anomaly.order_id, f"cancelled by customer service ({by})")
    log.info("anomaly.cancelled", anomaly_id=str(anomaly_id), order_id=anomaly.order_id, resolved=len(resolved))
    return Outcome(await _reload(tx, anomaly_id), resolved)


async def resolve_all(
    tx: Tx,
    order_id: str,
    resolution: Resolution,
    *,
    by: str,
    note: str | None,
    anomaly_id: uuid.UUID | None = None,
    contact: bool = False,
) -> list[uuid.UUID]:
    """Resolve the order's unresolved anomalies (or just `anomaly_id`) and publish
    AnomalyResolved for each; the order row must be locked by the caller. `contact`: staff
    resolved them, which counts as the first response where no acknowledgement came before."""
    resolved = await repo.resolve(
        tx.conn, order_id, resolution, by=by, note=note, anomaly_id=anomaly_id, contact=contact
    )
    still_held = resolution is Resolution.RELEASED and await repo.count_unresolved_holds(tx.conn, order_id) > 0
    for rid in resolved:
        found = await repo.get(tx.conn, rid)
        assert found is not None
        await tx.publish(
            AnomalyResolved(
                anomaly_id=str(rid),
                order_id=order_id,
                rule_id=found.rule_id,
                resolution=resolution.value,
                resolved_by=by,
                order_still_held=still_held,
            )
        )
    return resolved


async def _locked(tx: Tx, anomaly_id: uuid.UUID, step: Step) -> tuple[repo.Anomaly, OrderRecord]:
    found = await repo.get(tx.conn, anomaly_id)
    if found is None:
        raise NotFound(f"anomaly {anomaly_id} does not exist")
    record = await orders.lock(tx.conn, found.order_id)  # order first, then anomaly: one lock order
    anomaly = await repo.get(tx.conn, anomaly_id, for_update=True)
    if record is None or anomaly is None:
        raise NotFound(f"anomaly {anomaly_id} does not exist")
    try:
        check_step(step, anomaly.status, anomaly.resolution)
    except IllegalStep as exc:
        raise Conflict(str(exc), details={"status": anomaly.status.value, "resolution": anomaly.resolution}) from None
    return anomaly, record


async def _reload(tx: Tx, anomaly_id: uuid.UUID) -> repo.Anomaly:
    anomaly = await repo.get(tx.conn, anomaly_id)
    assert anomaly is not None  # locked in this transaction
    return anomaly

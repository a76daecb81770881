"""What customer service does with an anomaly: acknowledge, release, cancel.

Each command locks the order row, then the anomaly, so it serialises with payment and with
other commands on the same order; the lifecycle decides what is legal (409 otherwise)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from orderhub_contracts.events import AnomalyAcknowledged, AnomalyResolved
from orderhub_runtime.db import Tx
from orderhub_runtime.errors import Conflict, NotFound
from orderhub_runtime.logging import get_logger

from rules import orders
from rules.anomalies import repository as repo
from rules.anomalies.lifecycle import IllegalStep, Resolution, Step, check_step
from rules.clearance import clear_if_unheld

log = get_logger(__name__)


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


async def _locked(tx: Tx, anomaly_id: uuid.UUID, step: Step) -> tuple[repo.Anomaly, orders.OrderRecord]:
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

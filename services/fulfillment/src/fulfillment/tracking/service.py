"""Tracking use cases: a dispatched parcel is recorded and subscribed; a carrier's push or query
answer is merged into its track (by event time: duplicates change nothing, older news never moves
the parcel back) and each newer checkpoint is announced."""

from __future__ import annotations

from datetime import datetime, timedelta

from orderhub_contracts.events import ShipmentDelivered, ShipmentException, TrackingUpdated
from orderhub_runtime.db import Tx
from orderhub_runtime.logging import get_logger

from fulfillment.carriers.tracking import Checkpoint, ParcelStatus, TrackReport, merge, parcel_status, tracking_status
from fulfillment.completion import service as completion
from fulfillment.tracking import repository as repo
from fulfillment.tracking.model import Applied, ApplyResult, JobKind, Shipment, TrackDispatch

log = get_logger(__name__)


async def track_dispatch(tx: Tx, parcel: TrackDispatch, provider: str = "") -> bool:
    """Record the parcel and ask the carrier (outside this transaction) to push its track.
    Called by the ship scan; repeating it changes nothing. True when the parcel is new. The
    carrier jobs run with the configured provider; `provider` only labels the row."""
    tail = parcel.phone[-4:]
    new = await repo.insert_shipment(
        tx.conn,
        {
            "waybill_no": parcel.waybill_no,
            "order_id": parcel.order_id,
            "outbound_id": parcel.outbound_id,
            "carrier": parcel.carrier,
            "provider": provider,
            "phone_tail": tail,
            "dispatched_at": parcel.dispatched_at,
        },
    )
    if new:
        await repo.enqueue_job(
            tx.conn,
            JobKind.SUBSCRIBE,
            provider=provider,
            carrier=parcel.carrier,
            waybill_no=parcel.waybill_no,
            phone_tail=tail,
        )
        log.info("shipment.tracking_started", order_id=parcel.order_id, waybill_no=parcel.waybill_no)
    return new


async def cancel_waybill(tx: Tx, *, provider: str, carrier: str, waybill_no: str) -> None:
    """The outbound order was cancelled or voided: give its waybill back to the carrier."""
    await repo.enqueue_job(tx.conn, JobKind.CANCEL, provider=provider, carrier=carrier, waybill_no=waybill_no)


async def apply_track(tx: Tx, report: TrackReport, *, source: str, complete_after: timedelta) -> ApplyResult:
    """Merge what the carrier said into the parcel's track and announce what is newer."""
    shipment = await repo.lock_shipment(tx.conn, report.waybill_no)
    if shipment is None:
        return ApplyResult(Applied.UNKNOWN)
    known = [t.checkpoint for t in await repo.checkpoints(tx.conn, report.waybill_no)]
    merged = merge(known, report.checkpoints)
    await repo.insert_checkpoints(tx.conn, report.waybill_no, merged.added, source)
    latest = merged.latest
    if not merged.advanced or latest is None:
        return ApplyResult(Applied.UNCHANGED, len(merged.added), shipment.status)
    status = parcel_status(latest.state)
    delivered_at = latest.time if status is ParcelStatus.DELIVERED and shipment.delivered_at is None else None
    await repo.set_latest(tx.conn, shipment.waybill_no, status=status, latest=latest, delivered_at=delivered_at)
    for checkpoint in merged.advanced:
        await tx.publish(
            TrackingUpdated(
                order_id=shipment.order_id,
                waybill_no=shipment.waybill_no,
                status=tracking_status(checkpoint.state),
                description=checkpoint.context,
                occurred_at=checkpoint.time,
            )
        )
    await _announce_outcome(tx, shipment, latest, status, complete_after)
    log.info(
        "shipment.tracked",
        order_id=shipment.order_id,
        waybill_no=shipment.waybill_no,
        source=source,
        added=len(merged.added),
        status=status.value,
        carrier_state=latest.state,
    )
    return ApplyResult(Applied.ADVANCED, len(merged.added), status)


async def _announce_outcome(
    tx: Tx, shipment: Shipment, latest: Checkpoint, status: ParcelStatus, complete_after: timedelta
) -> None:
    if status is ParcelStatus.DELIVERED and shipment.status is not ParcelStatus.DELIVERED:
        await tx.publish(
            ShipmentDelivered(
                order_id=shipment.order_id,
                waybill_no=shipment.waybill_no,
                carrier=shipment.carrier,
                carrier_state=latest.state,
                description=latest.context,
                delivered_at=latest.time,
            )
        )
        await completion.arm(tx.conn, shipment.order_id, delivered_at=latest.time, complete_after=complete_after)
    elif status is ParcelStatus.EXCEPTION and (
        shipment.status is not ParcelStatus.EXCEPTION or shipment.carrier_state != latest.state
    ):
        await tx.publish(
            ShipmentException(
                order_id=shipment.order_id,
                waybill_no=shipment.waybill_no,
                carrier=shipment.carrier,
                carrier_state=latest.state,
                kind="returned" if tracking_status(latest.state) == "returned" else "problem",
                description=latest.context,
                occurred_at=latest.time,
            )
        )


async def claim_quiet(tx: Tx, now: datetime, quiet_for: timedelta, limit: int) -> list[Shipment]:
    """Parcels to query actively: no news for `quiet_for`."""
    return await repo.claim_quiet(tx.conn, now, quiet_for, limit)


async def refuse_push(tx: Tx, provider: str, reason: str, body: str) -> None:
    """A callback that failed verification: kept for a person, never applied."""
    await repo.archive_push(tx.conn, provider, reason, body)
    log.warning("carrier.push_refused", provider=provider, reason=reason)


async def accept_push(tx: Tx, provider: str, report: TrackReport, body: str, complete_after: timedelta) -> ApplyResult:
    """A verified callback: merged into the track; one for a waybill we do not know is archived."""
    result = await apply_track(tx, report, source="push", complete_after=complete_after)
    if result.applied is Applied.UNKNOWN:
        await repo.archive_push(tx.conn, provider, "unknown_waybill", body)
        log.warning("carrier.push_for_unknown_waybill", provider=provider, waybill_no=report.waybill_no)
    return result

"""Tracking use cases: a dispatched parcel is recorded and subscribed; a carrier's push or query
answer is merged into its track (by event time: duplicates change nothing, older news never moves
the parcel back) and each newer checkpoint is announced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
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
    (result,) = await apply_tracks(tx, [report], source=source, complete_after=complete_after)
    return result


async def apply_tracks(
    tx: Tx, reports: Sequence[TrackReport], *, source: str, complete_after: timedelta
) -> list[ApplyResult]:
    """A run of reports in one transaction, set-based: the parcels locked and their tracks read in
    one statement each, each report merged in order against what its predecessors left (two
    reports of one parcel end as one after the other), the checkpoints and the parcels' new
    state written in one statement each."""
    waybills = [r.waybill_no for r in reports]
    shipments = await repo.lock_shipments(tx.conn, waybills)
    known = await repo.tracks(tx.conn, [w for w in waybills if w in shipments])
    added_rows: list[tuple[str, Checkpoint, str]] = []
    latest_by_waybill: dict[str, tuple[ParcelStatus, Checkpoint, datetime | None]] = {}
    results: list[ApplyResult] = []
    for report in reports:
        shipment = shipments.get(report.waybill_no)
        if shipment is None:
            results.append(ApplyResult(Applied.UNKNOWN))
            continue
        merged = merge(known[shipment.waybill_no], report.checkpoints)
        known[shipment.waybill_no].extend(merged.added)
        added_rows.extend((shipment.waybill_no, c, source) for c in merged.added)
        latest = merged.latest
        if not merged.advanced or latest is None:
            results.append(ApplyResult(Applied.UNCHANGED, len(merged.added), shipment.status))
            continue
        status = parcel_status(latest.state)
        delivered_at = latest.time if status is ParcelStatus.DELIVERED and shipment.delivered_at is None else None
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
        shipments[shipment.waybill_no] = replace(
            shipment,
            status=status,
            carrier_state=latest.state,
            latest_at=latest.time,
            latest_context=latest.context,
            delivered_at=shipment.delivered_at or delivered_at,
        )
        previous = latest_by_waybill.get(shipment.waybill_no)
        latest_by_waybill[shipment.waybill_no] = (status, latest, delivered_at or (previous[2] if previous else None))
        results.append(ApplyResult(Applied.ADVANCED, len(merged.added), status))
        log.info(
            "shipment.tracked",
            order_id=shipment.order_id,
            waybill_no=shipment.waybill_no,
            source=source,
            added=len(merged.added),
            status=status.value,
            carrier_state=latest.state,
        )
    await repo.insert_checkpoint_rows(tx.conn, added_rows)
    await repo.set_latest_many(tx.conn, [(w, *v) for w, v in latest_by_waybill.items()])
    return results


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
    (result,) = await accept_pushes(tx, provider, [(report, body)], complete_after)
    return result


async def accept_pushes(
    tx: Tx, provider: str, pushes: Sequence[tuple[TrackReport, str]], complete_after: timedelta
) -> list[ApplyResult]:
    """Verified callbacks, merged as a run (see `apply_tracks`); those for waybills we do not know are archived."""
    results = await apply_tracks(tx, [r for r, _ in pushes], source="push", complete_after=complete_after)
    unknown = [
        (report, body)
        for (report, body), result in zip(pushes, results, strict=True)
        if result.applied is Applied.UNKNOWN
    ]
    await repo.archive_pushes(tx.conn, [(provider, "unknown_waybill", body) for _, body in unknown])
    for report, _ in unknown:
        log.warning("carrier.push_for_unknown_waybill", provider=provider, waybill_no=report.waybill_no)
    return results

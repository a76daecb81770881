"""Every SQL statement of tracking: shipments, checkpoints, carrier jobs, refused pushes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.carriers.tracking import Checkpoint, ParcelStatus
from fulfillment.tables import carrier_jobs, carrier_push_rejections, shipment_checkpoints, shipments
from fulfillment.tracking.model import CarrierJob, JobKind, Shipment, TrackedCheckpoint

s, cp, j = shipments.c, shipment_checkpoints.c, carrier_jobs.c


def _shipment(row: Any) -> Shipment:
    return Shipment(
        waybill_no=row.waybill_no,
        order_id=row.order_id,
        outbound_id=row.outbound_id,
        carrier=row.carrier,
        provider=row.provider,
        phone_tail=row.phone_tail,
        status=ParcelStatus(row.status),
        carrier_state=row.carrier_state,
        latest_at=row.latest_at,
        latest_context=row.latest_context,
        dispatched_at=row.dispatched_at,
        delivered_at=row.delivered_at,
        queried_at=row.queried_at,
    )


async def insert_shipment(conn: AsyncConnection, row: dict[str, Any]) -> bool:
    """True when the shipment is new (a repeated dispatch changes nothing)."""
    stmt = pg_insert(shipments).values(**row).on_conflict_do_nothing().returning(s.waybill_no)
    return (await conn.execute(stmt)).first() is not None


async def shipment(conn: AsyncConnection, waybill_no: str) -> Shipment | None:
    row = (await conn.execute(select(shipments).where(s.waybill_no == waybill_no))).first()
    return _shipment(row) if row else None


async def checkpoints(conn: AsyncConnection, waybill_no: str) -> list[TrackedCheckpoint]:
    """The whole track, newest first."""
    rows = await conn.execute(
        select(shipment_checkpoints).where(cp.waybill_no == waybill_no).order_by(cp.occurred_at.desc())
    )
    return [
        TrackedCheckpoint(Checkpoint(r.occurred_at, r.context, r.carrier_state, r.area), r.source, r.received_at)
        for r in rows
    ]


async def claim_quiet(conn: AsyncConnection, now: datetime, quiet_for: timedelta, limit: int) -> list[Shipment]:
    """In-transit parcels with no checkpoint (and no query) for `quiet_for`, marked queried now so
    that no other round takes them."""
    before = now - quiet_for
    candidates = (
        select(s.waybill_no)
        .where(
            s.status == ParcelStatus.IN_TRANSIT.value,
            func.coalesce(s.latest_at, s.dispatched_at) < before,
            or_(s.queried_at.is_(None), s.queried_at < before),
        )
        .order_by(func.coalesce(s.latest_at, s.dispatched_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = update(shipments).where(s.waybill_no.in_(candidates)).values(queried_at=now).returning(shipments)
    return [_shipment(r) for r in await conn.execute(stmt)]


async def archive_push(conn: AsyncConnection, provider: str, reason: str, body: str) -> None:
    await conn.execute(insert(carrier_push_rejections).values(provider=provider, reason=reason, body=body[:20_000]))


async def rejected_pushes(conn: AsyncConnection, provider: str, limit: int = 100) -> list[tuple[str, str]]:
    c = carrier_push_rejections.c
    rows = await conn.execute(
        select(c.reason, c.body).where(c.provider == provider).order_by(c.rejection_id.desc()).limit(limit)
    )
    return [(r.reason, r.body) for r in rows]


async def enqueue_job(
    conn: AsyncConnection, kind: JobKind, *, provider: str, carrier: str, waybill_no: str, phone_tail: str = ""
) -> None:
    stmt = pg_insert(carrier_jobs).values(
        kind=kind.value, provider=provider, carrier=carrier, waybill_no=waybill_no, phone_tail=phone_tail
    )
    await conn.execute(stmt.on_conflict_do_nothing(constraint="uq_carrier_jobs_kind_waybill"))


async def claim_jobs(conn: AsyncConnection, now: datetime, lease: timedelta, limit: int) -> list[CarrierJob]:
    """Due jobs, leased (due again after `lease` if the worker dies before it reports)."""
    due = (
        select(j.job_id)
        .where(j.done_at.is_(None), j.failed_at.is_(None), j.due_at <= now)
        .order_by(j.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(carrier_jobs)
        .where(j.job_id.in_(due))
        .values(due_at=now + lease, attempts=j.attempts + 1)
        .returning(carrier_jobs)
    )
    return [
        CarrierJob(r.job_id, JobKind(r.kind), r.provider, r.carrier, r.waybill_no, r.phone_tail, r.attempts)
        for r in await conn.execute(stmt)
    ]


async def finish_job(conn: AsyncConnection, job_id: int, now: datetime) -> None:
    await conn.execute(update(carrier_jobs).where(j.job_id == job_id).values(done_at=now, last_error=""))


async def fail_job(conn: AsyncConnection, job_id: int, error: str, *, retry_at: datetime | None, now: datetime) -> None:
    """Retry at `retry_at`, or give up (None): the job stays, marked failed, for a person."""
    values: dict[str, Any] = {"last_error": error[:500]}
    values.update({"due_at": retry_at} if retry_at is not None else {"failed_at": now})
    await conn.execute(update(carrier_jobs).where(j.job_id == job_id).values(**values))


async def jobs_for(conn: AsyncConnection, waybill_no: str) -> list[dict[str, Any]]:
    rows = await conn.execute(select(carrier_jobs).where(j.waybill_no == waybill_no).order_by(j.job_id))
    return [dict(r._mapping) for r in rows]


async def lock_shipments(conn: AsyncConnection, waybill_nos: Sequence[str]) -> dict[str, Shipment]:
    """Lock the shipments (in waybill order, so two batches cannot deadlock); unknown ones are absent."""
    stmt = select(shipments).where(s.waybill_no.in_(sorted(set(waybill_nos)))).order_by(s.waybill_no).with_for_update()
    return {row.waybill_no: _shipment(row) for row in await conn.execute(stmt)}


async def tracks(conn: AsyncConnection, waybill_nos: Sequence[str]) -> dict[str, list[Checkpoint]]:
    """The known checkpoints of several parcels, in one statement."""
    found: dict[str, list[Checkpoint]] = {w: [] for w in waybill_nos}
    rows = await conn.execute(select(shipment_checkpoints).where(cp.waybill_no.in_(sorted(set(waybill_nos)))))
    for r in rows:
        found[r.waybill_no].append(Checkpoint(r.occurred_at, r.context, r.carrier_state, r.area))
    return found


async def insert_checkpoint_rows(conn: AsyncConnection, rows: Sequence[tuple[str, Checkpoint, str]]) -> None:
    """(waybill, checkpoint, source) rows in one statement; a known one is skipped."""
    if not rows:
        return
    values = [
        {
            "waybill_no": w,
            "occurred_at": c.time,
            "context": c.context,
            "carrier_state": c.state,
            "area": c.area,
            "source": source,
        }
        for w, c, source in rows
    ]
    await conn.execute(pg_insert(shipment_checkpoints).values(values).on_conflict_do_nothing())


_SET_LATEST = text(
    """
UPDATE fulfillment.shipments s
SET status = u.status, carrier_state = u.carrier_state, latest_at = u.latest_at, latest_context = u.latest_context,
    delivered_at = coalesce(s.delivered_at, u.delivered_at), updated_at = now()
FROM unnest(CAST(:waybills AS text[]), CAST(:statuses AS text[]), CAST(:states AS text[]),
            CAST(:latest_ats AS timestamptz[]), CAST(:contexts AS text[]), CAST(:delivered_ats AS timestamptz[]))
    AS u(waybill_no, status, carrier_state, latest_at, latest_context, delivered_at)
WHERE s.waybill_no = u.waybill_no
"""
)


async def set_latest_many(
    conn: AsyncConnection, updates: Sequence[tuple[str, ParcelStatus, Checkpoint, datetime | None]]
) -> None:
    """(waybill, status, newest checkpoint, delivered at) for several parcels, in one statement."""
    if not updates:
        return
    await conn.execute(
        _SET_LATEST,
        {
            "waybills": [u[0] for u in updates],
            "statuses": [u[1].value for u in updates],
            "states": [u[2].state for u in updates],
            "latest_ats": [u[2].time for u in updates],
            "contexts": [u[2].context for u in updates],
            "delivered_ats": [u[3] for u in updates],
        },
    )


async def archive_pushes(conn: AsyncConnection, rows: Sequence[tuple[str, str, str]]) -> None:
    """(provider, reason, body) rows in one statement."""
    if rows:
        values = [{"provider": p, "reason": r, "body": b[:20_000]} for p, r, b in rows]
        await conn.execute(insert(carrier_push_rejections).values(values))

"""Every SQL statement of tracking: shipments, checkpoints, carrier jobs, refused pushes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
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


async def lock_shipment(conn: AsyncConnection, waybill_no: str) -> Shipment | None:
    row = (await conn.execute(select(shipments).where(s.waybill_no == waybill_no).with_for_update())).first()
    return _shipment(row) if row else None


async def shipment(conn: AsyncConnection, waybill_no: str) -> Shipment | None:
    row = (await conn.execute(select(shipments).where(s.waybill_no == waybill_no))).first()
    return _shipment(row) if row else None


async def shipments_of_order(conn: AsyncConnection, order_id: str) -> list[Shipment]:
    rows = await conn.execute(select(shipments).where(s.order_id == order_id).order_by(s.dispatched_at))
    return [_shipment(r) for r in rows]


async def checkpoints(conn: AsyncConnection, waybill_no: str) -> list[TrackedCheckpoint]:
    """The whole track, newest first."""
    rows = await conn.execute(
        select(shipment_checkpoints).where(cp.waybill_no == waybill_no).order_by(cp.occurred_at.desc())
    )
    return [
        TrackedCheckpoint(Checkpoint(r.occurred_at, r.context, r.carrier_state, r.area), r.source, r.received_at)
        for r in rows
    ]


async def insert_checkpoints(conn: AsyncConnection, waybill_no: str, added: Sequence[Checkpoint], source: str) -> None:
    if not added:
        return
    rows = [
        {
            "waybill_no": waybill_no,
            "occurred_at": c.time,
            "context": c.context,
            "carrier_state": c.state,
            "area": c.area,
            "source": source,
        }
        for c in added
    ]
    await conn.execute(pg_insert(shipment_checkpoints).values(rows).on_conflict_do_nothing())


async def set_latest(
    conn: AsyncConnection,
    waybill_no: str,
    *,
    status: ParcelStatus,
    latest: Checkpoint,
    delivered_at: datetime | None,
) -> None:
    values: dict[str, Any] = {
        "status": status.value,
        "carrier_state": latest.state,
        "latest_at": latest.time,
        "latest_context": latest.context,
        "updated_at": func.now(),
    }
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    await conn.execute(update(shipments).where(s.waybill_no == waybill_no).values(**values))


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
    rows = await conn.execute(select(carrier_jobs).where(and_(j.waybill_no == waybill_no)).order_by(j.job_id))
    return [dict(r._mapping) for r in rows]

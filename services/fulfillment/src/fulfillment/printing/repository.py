"""Every SQL statement of the printer queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.printing.model import DueJob, JobStatus, PrintJob, SubmitPrint
from fulfillment.tables import print_jobs

_LISTED = (
    print_jobs.c.job_id,
    print_jobs.c.document,
    print_jobs.c.printer,
    print_jobs.c.source,
    print_jobs.c.status,
    print_jobs.c.attempts,
    print_jobs.c.error,
    print_jobs.c.printer_job_id,
    func.octet_length(print_jobs.c.body).label("size"),
    print_jobs.c.next_attempt_at,
    print_jobs.c.created_at,
    print_jobs.c.printed_at,
)


def _job(row: RowMapping) -> PrintJob:
    return PrintJob(
        job_id=row["job_id"],
        document=row["document"],
        printer=row["printer"],
        source=row["source"],
        status=JobStatus(row["status"]),
        attempts=row["attempts"],
        error=row["error"],
        printer_job_id=row["printer_job_id"],
        size=row["size"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        printed_at=row["printed_at"],
    )


async def insert_job(conn: AsyncConnection, command: SubmitPrint, printer: str) -> int:
    """The new job's id; with a dedupe key already queued, the id of that earlier job."""
    statement = (
        insert(print_jobs)
        .values(
            document=command.document,
            content_type=command.content_type,
            body=command.body,
            printer=printer,
            source=command.source,
            dedupe_key=command.dedupe_key,
        )
        .on_conflict_do_nothing(index_elements=[print_jobs.c.dedupe_key])
        .returning(print_jobs.c.job_id)
    )
    job_id = (await conn.execute(statement)).scalar_one_or_none()
    if job_id is None:
        query = select(print_jobs.c.job_id).where(print_jobs.c.dedupe_key == command.dedupe_key)
        job_id = (await conn.execute(query)).scalar_one()
    return int(job_id)


async def list_jobs(conn: AsyncConnection, *, status: JobStatus | None, limit: int) -> list[PrintJob]:
    query = select(*_LISTED).order_by(print_jobs.c.job_id.desc()).limit(limit)
    if status is not None:
        query = query.where(print_jobs.c.status == status.value)
    return [_job(r) for r in (await conn.execute(query)).mappings()]


async def get_job(conn: AsyncConnection, job_id: int) -> PrintJob | None:
    row = (await conn.execute(select(*_LISTED).where(print_jobs.c.job_id == job_id))).mappings().first()
    return None if row is None else _job(row)


async def claim_due(conn: AsyncConnection, now: datetime, lease_until: datetime) -> DueJob | None:
    """Take the oldest job due now: it becomes `sending` until `lease_until` (when, if nobody
    recorded an answer, it is due again), and the attempt is counted."""
    query = (
        select(
            print_jobs.c.job_id,
            print_jobs.c.document,
            print_jobs.c.content_type,
            print_jobs.c.body,
            print_jobs.c.attempts,
        )
        .where(print_jobs.c.status != JobStatus.PRINTED.value, print_jobs.c.next_attempt_at <= now)
        .order_by(print_jobs.c.next_attempt_at, print_jobs.c.job_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    await conn.execute(
        update(print_jobs)
        .where(print_jobs.c.job_id == row["job_id"])
        .values(
            status=JobStatus.SENDING.value,
            attempts=print_jobs.c.attempts + 1,
            next_attempt_at=lease_until,
            updated_at=now,
        )
    )
    return DueJob(
        job_id=row["job_id"],
        document=row["document"],
        content_type=row["content_type"],
        body=bytes(row["body"]),
        attempts=row["attempts"] + 1,
    )


async def mark_printed(conn: AsyncConnection, job_id: int, printer: str, printer_job_id: str, at: datetime) -> None:
    await conn.execute(
        update(print_jobs)
        .where(print_jobs.c.job_id == job_id)
        .values(
            status=JobStatus.PRINTED.value,
            printer=printer,
            printer_job_id=printer_job_id,
            error="",
            printed_at=at,
            updated_at=at,
        )
    )


async def mark_retry(
    conn: AsyncConnection, job_id: int, printer: str, error: str, at: datetime, retry_at: datetime
) -> None:
    await conn.execute(
        update(print_jobs)
        .where(print_jobs.c.job_id == job_id)
        .values(
            status=JobStatus.RETRYING.value,
            printer=printer,
            error=error,
            next_attempt_at=retry_at,
            updated_at=at,
        )
    )

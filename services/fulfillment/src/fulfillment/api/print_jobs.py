"""The printer queue's job log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_runtime.app import DatabaseDep
from pydantic import BaseModel

from fulfillment.deps import AnyStaff, Deps
from fulfillment.printing import service
from fulfillment.printing.model import JobStatus, PrintJob

router = APIRouter(prefix="/v1", tags=["printing"])


class PrintJobOut(BaseModel):
    job_id: int
    document: str
    printer: str
    source: str
    status: JobStatus
    attempts: int
    error: str  # why the last attempt failed; empty once printed
    printer_job_id: str
    size: int
    next_attempt_at: datetime | None
    created_at: datetime
    printed_at: datetime | None

    @classmethod
    def of(cls, job: PrintJob) -> PrintJobOut:
        waiting = job.status is not JobStatus.PRINTED
        return cls(
            job_id=job.job_id,
            document=job.document,
            printer=job.printer,
            source=job.source,
            status=job.status,
            attempts=job.attempts,
            error=job.error,
            printer_job_id=job.printer_job_id,
            size=job.size,
            next_attempt_at=job.next_attempt_at if waiting else None,
            created_at=job.created_at,
            printed_at=job.printed_at,
        )


class PrintJobsOut(BaseModel):
    printer: str
    items: list[PrintJobOut]


@router.get("/print-jobs")
async def list_print_jobs(
    db: DatabaseDep,
    deps: Deps,
    _: AnyStaff,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> PrintJobsOut:
    """The job log, newest first: document, printer, status, attempts and the last error."""
    jobs = await service.job_log(db, status=status, limit=limit)
    return PrintJobsOut(printer=deps.printer.url, items=[PrintJobOut.of(j) for j in jobs])


@router.get("/print-jobs/{job_id}")
async def get_print_job(job_id: int, db: DatabaseDep, _: AnyStaff) -> PrintJobOut:
    return PrintJobOut.of(await service.get_job(db, job_id))

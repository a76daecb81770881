"""Use cases of the printer queue: submit a document, send the due jobs, list the job log."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.errors import NotFound

from fulfillment.printing import repository
from fulfillment.printing.ipp import PrinterUnavailable
from fulfillment.printing.model import JobStatus, Printer, PrintJob, SubmitPrint

log = structlog.get_logger("fulfillment.printing")


async def submit(tx: Tx, command: SubmitPrint, printer: Printer) -> int:
    """Queue the document for the printer; the worker sends it (after the commit)."""
    job_id = await repository.insert_job(tx.conn, command, printer.url)
    log.info("print_job.queued", job_id=job_id, document=command.document, source=command.source)
    return job_id


def retry_delay(attempts: int, max_s: float) -> timedelta:
    """1 s, 2 s, 4 s ... capped at `max_s`: a printer that comes back is used soon."""
    return timedelta(seconds=min(float(2 ** min(attempts, 16)), max_s))


async def send_one(db: Database, printer: Printer, now: datetime, *, retry_max_s: float, lease_s: float = 60.0) -> bool:
    """Send the oldest due job, if any; answers whether there was one. No transaction is held
    across the call to the printer: the job is taken in one short unit of work (`sending`, with a
    lease) and its answer recorded in another. A printer that is off or refuses leaves the job
    queued (`retrying`, with the error) for a later attempt; a worker that dies in between leaves
    it `sending` until the lease ends, when it is sent again (at least once: IPP has no
    idempotency key, so such a job may print twice)."""
    async with db.transaction() as tx:
        job = await repository.claim_due(tx.conn, now, now + timedelta(seconds=lease_s))
    if job is None:
        return False
    try:
        reference = await printer.send(job.job_id, job.document, job.body, job.content_type)
    except PrinterUnavailable as exc:
        retry_at = now + retry_delay(job.attempts - 1, retry_max_s)
        async with db.transaction() as tx:
            await repository.mark_retry(tx.conn, job.job_id, printer.url, str(exc), now, retry_at)
        log.warning("print_job.failed", job_id=job.job_id, attempts=job.attempts, error=str(exc))
        return True
    async with db.transaction() as tx:
        await repository.mark_printed(tx.conn, job.job_id, printer.url, reference, now)
    log.info("print_job.printed", job_id=job.job_id, document=job.document, printer_job_id=reference)
    return True


async def send_due(
    db: Database, printer: Printer, now: datetime, *, retry_max_s: float, lease_s: float = 60.0, limit: int = 20
) -> int:
    """Send up to `limit` due jobs, oldest first; answers how many were tried."""
    tried = 0
    while tried < limit and await send_one(db, printer, now, retry_max_s=retry_max_s, lease_s=lease_s):
        tried += 1
    return tried


async def job_log(db: Database, *, status: JobStatus | None = None, limit: int = 100) -> list[PrintJob]:
    async with db.read() as conn:
        return await repository.list_jobs(conn, status=status, limit=limit)


async def get_job(db: Database, job_id: int) -> PrintJob:
    async with db.read() as conn:
        job = await repository.get_job(conn, job_id)
    if job is None:
        raise NotFound(f"print job {job_id} not found")
    return job

"""The carrier loop (runtime `ServiceSpec.background`): calls the carrier outside any transaction.

Each round: (1) due carrier jobs (subscribe at dispatch, cancel a voided waybill) are leased in
one transaction, called, and reported in another (done, retried with backoff, or failed for a
person when the carrier refuses for good); (2) parcels quiet for too long are queried with the
real-time query and the answer merged like a push, so R17 (48 h, rules) only sees parcels that are
really stalled; (3) due completions fire."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from fulfillment.carriers import CarrierError, CarrierProvider
from fulfillment.completion import service as completion
from fulfillment.deps import FulfillmentDeps
from fulfillment.tracking import repository as repo
from fulfillment.tracking.model import CarrierJob, JobKind
from fulfillment.tracking.service import apply_track, claim_quiet

log = get_logger(__name__)
BATCH = 50
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at an hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def carrier_task(deps: FulfillmentDeps) -> Callable[[ServiceContext[FulfillmentDeps]], Coroutine[Any, Any, None]]:
    async def carrier_loop(ctx: ServiceContext[FulfillmentDeps]) -> None:
        while True:
            try:
                busy = await run_round(ctx.db, deps)
            except Exception as exc:  # a round that failed is retried; the jobs stay due
                log.error("carriers.round_failed", error=repr(exc))
                busy = 0
            if busy < BATCH:
                await asyncio.sleep(deps.settings.carrier_jobs_poll_s)

    return carrier_loop


async def run_round(db: Database, deps: FulfillmentDeps, now: datetime | None = None) -> int:
    """One round of jobs, quiet-parcel queries and completions; returns the most work of any."""
    at = now or datetime.now(UTC)
    jobs = await run_jobs(db, deps.carrier, at)
    queried = await query_quiet(db, deps, at)
    async with db.transaction() as tx:
        completed = await completion.complete_due(tx, at)
    return max(jobs, queried, completed)


async def run_jobs(db: Database, carrier: CarrierProvider, now: datetime) -> int:
    async with db.transaction() as tx:
        jobs = await repo.claim_jobs(tx.conn, now, LEASE, BATCH)
    for job in jobs:
        error = await _call(carrier, job)
        async with db.transaction() as tx:
            if error is None:
                await repo.finish_job(tx.conn, job.job_id, now)
                log.info("carrier.job_done", kind=job.kind.value, waybill_no=job.waybill_no)
            else:
                give_up = not error.retryable or job.attempts >= MAX_ATTEMPTS
                retry_at = None if give_up else now + backoff(job.attempts)
                await repo.fail_job(tx.conn, job.job_id, str(error), retry_at=retry_at, now=now)
                log.warning(
                    "carrier.job_failed",
                    kind=job.kind.value,
                    waybill_no=job.waybill_no,
                    code=error.code,
                    retryable=error.retryable,
                    gave_up=give_up,
                )
    return len(jobs)


async def _call(carrier: CarrierProvider, job: CarrierJob) -> CarrierError | None:
    try:
        if job.kind is JobKind.SUBSCRIBE:
            await carrier.subscribe(job.carrier, job.waybill_no, job.phone_tail)
        else:
            await carrier.cancel_waybill(job.carrier, job.waybill_no)
    except CarrierError as exc:
        return exc
    return None


async def query_quiet(db: Database, deps: FulfillmentDeps, now: datetime) -> int:
    settings = deps.settings
    async with db.transaction() as tx:
        quiet = await claim_quiet(tx, now, timedelta(seconds=settings.tracking_query_after_s), BATCH)
    for shipment in quiet:
        try:
            report = await deps.carrier.query(shipment.carrier, shipment.waybill_no, shipment.phone_tail)
        except CarrierError as exc:
            log.warning("tracking.query_failed", waybill_no=shipment.waybill_no, code=exc.code)
            continue
        if report is None:
            continue
        async with db.transaction() as tx:
            result = await apply_track(
                tx, report, source="query", complete_after=timedelta(seconds=settings.complete_after_s)
            )
        log.info("tracking.queried", waybill_no=shipment.waybill_no, outcome=result.applied.value, added=result.added)
    return len(quiet)

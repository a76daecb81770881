"""Running a refund end to end: book it (one transaction), ask the provider (no transaction open),
settle it (another transaction). Called by the route and by the background loop that finishes
every refund that is due or was left pending (after a crash, a timeout, or a PROCESSING answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database
from orderhub_runtime.errors import DomainError
from orderhub_runtime.logging import get_logger

from aftersales.refunds import service
from aftersales.refunds.model import PLATFORM, SUCCEEDED, Refund, RefundAnswer
from aftersales.refunds.providers import RefundProvider

log = get_logger(__name__)


async def run_refund(db: Database, provider: RefundProvider, ticket_id: str) -> Refund:
    refund, request = await db.run_in_transaction(lambda tx: service.book_refund(tx, ticket_id))
    if refund.status == SUCCEEDED:
        return refund
    if refund.method == PLATFORM:  # refunded on the platform; recorded here
        answer = RefundAnswer(provider_refund_id=f"PLATFORM-{refund.refund_no}", status="SUCCESS")
    else:
        await db.run_in_transaction(lambda tx: service.count_attempt(tx, refund.refund_no))
        answer = await provider.refund(request)
    if not answer.succeeded:
        log.info("refund.not_yet", ticket_id=ticket_id, provider_status=answer.status)
        return refund
    await db.run_in_transaction(lambda tx: service.settle_refund(tx, ticket_id, answer.provider_refund_id))
    return refund


def refund_loop(
    provider: RefundProvider, interval_s: float
) -> Callable[[ServiceContext[Any]], Coroutine[Any, Any, None]]:
    async def loop(ctx: ServiceContext[Any]) -> None:
        while True:
            try:
                async with ctx.db.read() as conn:
                    due = await service.awaiting_refund(conn, limit=100)
                for ticket_id in due:
                    try:
                        await run_refund(ctx.db, provider, ticket_id)
                    except DomainError as exc:
                        log.warning("refund.refused", ticket_id=ticket_id, error=exc.message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop must outlive a bad round (provider down, ...)
                log.warning("refund.round_failed", error=repr(exc))
            await asyncio.sleep(interval_s)

    return loop

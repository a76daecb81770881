"""The background loop that sends queued print jobs."""

from __future__ import annotations

import asyncio

import structlog
from orderhub_runtime.app import ServiceContext

from fulfillment.deps import FulfillmentDeps
from fulfillment.printing.service import send_due

log = structlog.get_logger("fulfillment.printing")


async def print_worker(ctx: ServiceContext[FulfillmentDeps]) -> None:
    deps = ctx.deps
    settings = deps.settings
    while True:
        try:
            lease_s = settings.print_timeout_s * 2 + 30  # longer than any one send can take
            await send_due(ctx.db, deps.printer, deps.clock(), retry_max_s=settings.print_retry_max_s, lease_s=lease_s)
        except Exception as exc:  # the database may be away for a moment: the next round retries
            log.warning("print_worker.round_failed", error=repr(exc))
        await asyncio.sleep(settings.print_poll_s)

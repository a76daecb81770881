"""The fetch worker: leases due fetch tasks, fetches each order from its platform with no
transaction open, then does the intake and closes the task in one transaction. Failures are
rescheduled with backoff, never dropped."""

from __future__ import annotations

import asyncio

from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from ingest.channels.hub import ChannelHub
from ingest.channels.repository import FetchTask, complete, lease_due, reschedule
from ingest.channels.service import ingest_platform_order

log = get_logger(__name__)


async def run_fetches_once(hub: ChannelHub, db: Database, *, limit: int = 20) -> int:
    """Fetch and take in up to `limit` due orders; returns how many tasks were leased."""
    if not hub.adapters:
        return 0
    async with db.transaction() as tx:
        tasks = await lease_due(tx.conn, limit=limit, channels=list(hub.adapters))
    for task in tasks:
        await _fetch_one(hub, db, task)
    return len(tasks)


async def _fetch_one(hub: ChannelHub, db: Database, task: FetchTask) -> None:
    adapter = hub.adapters[task.ref.channel.value]
    try:
        order = await adapter.fetch_order(task.ref)
        async with db.transaction(correlation_id=f"fetch-{task.id}") as tx:
            result = await ingest_platform_order(tx, order, task.source)
            closed = await complete(tx.conn, task)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # platform down, refused signature, unusable payload: retry later
        async with db.transaction() as tx:
            delay = await reschedule(tx.conn, task, f"{type(exc).__name__}: {exc}")
        log.warning(
            "channel.fetch_failed",
            channel=task.ref.channel.value,
            order_no=task.ref.channel_order_no,
            attempts=task.attempts,
            retry_in_s=delay,
            error=repr(exc),
        )
        return
    log.info(
        "channel.fetched",
        channel=task.ref.channel.value,
        order_no=task.ref.channel_order_no,
        order_id=result.order_id,
        created=result.created,
        changes=list(result.events),
        source=task.source,
        closed=closed,
    )


async def fetch_loop(hub: ChannelHub, db: Database) -> None:
    settings = hub.settings
    while True:
        try:
            leased = await run_fetches_once(hub, db, limit=settings.fetch_batch_size)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # database unreachable for a moment: keep the loop alive
            log.warning("channel.fetch_loop_error", error=repr(exc))
            leased = 0
        if leased == 0:
            await asyncio.sleep(settings.fetch_poll_interval_s)

"""Background: unpaid mini-program orders close by themselves `miniprogram_unpaid_close_after_s`
after they were placed (R04 has reminded the customer at 15 minutes), releasing what they hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger
from orderhub_runtime.loops import every

from ingest.changes import repository
from ingest.changes.service import close_unpaid
from ingest.deps import IngestDeps

log = get_logger(__name__)
BATCH = 100


async def close_unpaid_once(db: Database, deps: IngestDeps, *, now: datetime | None = None) -> int:
    """Close every unpaid order past its time (one transaction each); answers how many closed."""
    after = timedelta(seconds=deps.settings.miniprogram_unpaid_close_after_s)
    async with db.read() as conn:
        due = await repository.unpaid_due(conn, (now or datetime.now(UTC)) - after, limit=BATCH)
    closed = 0
    for order_id in due:
        closed += await db.run_in_transaction(lambda tx, oid=order_id: close_unpaid(tx, oid))  # type: ignore[misc]
    return closed


async def unpaid_closer(ctx: ServiceContext[IngestDeps]) -> None:
    """Background: every `miniprogram_unpaid_close_interval_s`, `close_unpaid_once`."""
    interval = ctx.deps.settings.miniprogram_unpaid_close_interval_s
    await every(interval, lambda: close_unpaid_once(ctx.db, ctx.deps), name="miniprogram.unpaid_close")

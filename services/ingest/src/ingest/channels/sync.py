"""The safety net: per shop, a periodic incremental sync through the platform's list/increment
API from a stored watermark (minus an overlap), queueing every listed order for the same fetch
and intake as pushes. A lost push is picked up by the next sync."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ingest.channels.fetch_queue import enqueue_fetch
from ingest.channels.hub import ChannelHub
from ingest.tables import sync_watermarks

log = get_logger(__name__)


async def sync_shop_once(hub: ChannelHub, db: Database, channel: str, shop_id: str, *,
                         now: datetime | None = None) -> int:
    """List the shop's orders modified since the watermark and queue them; returns how many."""
    adapter = hub.adapter(channel)
    config = hub.settings.channel(channel)
    end = now or datetime.now(UTC)
    async with db.transaction() as tx:
        watermark = await tx.conn.scalar(select(sync_watermarks.c.watermark).where(
            sync_watermarks.c.channel == channel, sync_watermarks.c.shop_id == shop_id))
    start = (watermark - timedelta(seconds=config.sync_overlap_s) if watermark is not None
             else end - timedelta(seconds=config.sync_lookback_s))
    refs = await adapter.list_updated(shop_id, start, end)  # no transaction open during the call
    async with db.transaction(correlation_id=f"sync-{channel}-{shop_id}") as tx:
        for ref in refs:
            await enqueue_fetch(tx.conn, ref, source="sync")
        stmt = pg_insert(sync_watermarks).values(channel=channel, shop_id=shop_id, watermark=end,
                                                 last_listed=len(refs))
        await tx.conn.execute(stmt.on_conflict_do_update(
            index_elements=[sync_watermarks.c.channel, sync_watermarks.c.shop_id],
            set_={"watermark": func.greatest(sync_watermarks.c.watermark, end), "last_run_at": func.now(),
                  "last_listed": len(refs)},
        ))
    log.info("channel.synced", channel=channel, shop_id=shop_id, since=start.isoformat(), listed=len(refs))
    return len(refs)


async def sync_loop(hub: ChannelHub, db: Database) -> None:
    """Every `sync_interval_s`, sync each configured shop of each available channel."""
    while True:
        for channel in sorted(hub.adapters):
            for shop_id in hub.settings.channel(channel).shop_ids:
                try:
                    await sync_shop_once(hub, db, channel, shop_id)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # platform or database down: the watermark stays, next run catches up
                    log.warning("channel.sync_failed", channel=channel, shop_id=shop_id, error=repr(exc))
        await asyncio.sleep(hub.settings.sync_interval_s)

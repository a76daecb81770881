"""The safety net: per shop, a periodic incremental sync through the platform's list/increment
API from a stored watermark (minus an overlap), queueing every listed order for the same fetch
and intake as pushes. A lost push is picked up by the next sync.

Platforms cap the window one list call may cover (Pinduoduo's increment API 30 minutes, Shopee
15 days): an adapter that declares `max_sync_window` gets the catch-up range in windows of that
length, and the watermark moves after each window, so a sync that fails half-way resumes there."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from ingest.channels.base import ChannelAdapter
from ingest.channels.hub import ChannelHub
from ingest.channels.repository import advance_watermark, enqueue_fetch, read_watermark

log = get_logger(__name__)


def sync_windows(start: datetime, end: datetime, max_window: timedelta | None) -> Iterator[tuple[datetime, datetime]]:
    """[start, end] in consecutive windows of at most `max_window` (one window when None)."""
    if max_window is None or max_window <= timedelta(0):
        yield start, end
        return
    while start < end:
        stop = min(start + max_window, end)
        yield start, stop
        start = stop


def max_window_of(adapter: ChannelAdapter) -> timedelta | None:
    """The adapter's optional `max_sync_window` (a timedelta); absent means any range in one call."""
    value = getattr(adapter, "max_sync_window", None)
    return value if isinstance(value, timedelta) else None


async def sync_shop_once(
    hub: ChannelHub, db: Database, channel: str, shop_id: str, *, now: datetime | None = None
) -> int:
    """List the shop's orders modified since the watermark and queue them; returns how many."""
    adapter = hub.adapter(channel)
    settings = hub.settings
    end = now or datetime.now(UTC)
    async with db.read() as conn:
        watermark = await read_watermark(conn, channel, shop_id)
    start = (
        watermark - timedelta(seconds=settings.sync_overlap_s)
        if watermark is not None
        else end - timedelta(seconds=settings.sync_lookback_s)
    )
    listed = 0
    for window_start, window_end in sync_windows(start, end, max_window_of(adapter)):
        refs = await adapter.list_updated(shop_id, window_start, window_end)  # no transaction open
        async with db.transaction(correlation_id=f"sync-{channel}-{shop_id}") as tx:
            for ref in refs:
                await enqueue_fetch(tx.conn, ref, source="sync")
            await advance_watermark(tx.conn, channel, shop_id, window_end, len(refs))
        listed += len(refs)
    log.info("channel.synced", channel=channel, shop_id=shop_id, since=start.isoformat(), listed=listed)
    return listed


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

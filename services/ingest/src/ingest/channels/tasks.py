"""The channel background task of the ingest service: fetch worker, per-shop sync and the message
streams of streaming channels. The hub's HTTP client is closed by the app's `on_stop`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from ingest.channels.base import ChannelAdapter, PushNotice, PushSink
from ingest.channels.service import receive_push
from ingest.channels.sync import sync_loop
from ingest.channels.worker import fetch_loop
from ingest.deps import IngestDeps

log = get_logger(__name__)
STREAM_RETRY_S = 5.0


def _sink(db: Database, adapter: ChannelAdapter) -> PushSink:
    async def sink(headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        outcome = await db.run_in_transaction(lambda tx: receive_push(tx, adapter, headers, body))
        return list(outcome.notices)

    return sink


async def _stream(db: Database, adapter: ChannelAdapter) -> None:
    """Keep a channel's message stream running; a dropped connection is reopened (the sync covers the gap)."""
    while True:
        try:
            await adapter.stream(_sink(db, adapter))
            return  # an HTTP-push channel: nothing to stream
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("channel.stream_failed", channel=adapter.channel.value, error=repr(exc))
            await asyncio.sleep(STREAM_RETRY_S)


async def channel_tasks(ctx: ServiceContext[IngestDeps]) -> None:
    hub = ctx.deps.hub
    if not hub.settings.channels_enabled:
        return  # webhooks and the mini-program still use the hub
    log.info("channel.started", channels=sorted(hub.adapters))
    jobs = [fetch_loop(hub, ctx.db), sync_loop(hub, ctx.db)]
    jobs += [_stream(ctx.db, adapter) for adapter in hub.adapters.values()]
    await asyncio.gather(*jobs)

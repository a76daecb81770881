"""The channel background task of the ingest service: fetch worker, per-shop sync and the message
streams of streaming channels, sharing one HTTP client that is closed on shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.logging import get_logger

from ingest.channels.base import ChannelAdapter, PushNotice, PushSink
from ingest.channels.hub import get_hub
from ingest.channels.receive import receive_push
from ingest.channels.sync import sync_loop
from ingest.channels.worker import fetch_loop
from ingest.settings import IngestSettings

log = get_logger(__name__)
STREAM_RETRY_S = 5.0


def _sink(ctx: ServiceContext[IngestSettings], adapter: ChannelAdapter) -> PushSink:
    async def sink(headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        outcome = await receive_push(ctx.db, adapter, headers, body)
        return list(outcome.notices)

    return sink


async def _stream(ctx: ServiceContext[IngestSettings], adapter: ChannelAdapter) -> None:
    """Keep a channel's message stream running; a dropped connection is reopened (the sync covers the gap)."""
    while True:
        try:
            await adapter.stream(_sink(ctx, adapter))
            return  # an HTTP-push channel: nothing to stream
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("channel.stream_failed", channel=adapter.channel.value, error=repr(exc))
            await asyncio.sleep(STREAM_RETRY_S)


async def channel_tasks(ctx: ServiceContext[IngestSettings]) -> None:
    hub = get_hub(ctx)
    try:
        if not hub.settings.channels_enabled:
            # Webhooks still use the hub: idle until shutdown, then close its HTTP client.
            await asyncio.Event().wait()
        log.info("channel.started", channels=sorted(hub.adapters))
        jobs = [fetch_loop(hub, ctx.db), sync_loop(hub, ctx.db)]
        jobs += [_stream(ctx, adapter) for adapter in hub.adapters.values()]
        await asyncio.gather(*jobs)
    finally:
        await hub.aclose()

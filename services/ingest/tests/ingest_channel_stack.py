"""Shared by the channel stack tests: ingest on a database and under a topic prefix of its own (so no
other app competes for its fetch queue), next to one channel's simulator served in-process.

Two shapes: `stepped_stack` runs no background channel work, the tests drive the fetch worker and the
sync one step at a time (Douyin, Shopee, the mini-program); `live_stack` runs the full app with its
message stream, fetch worker and sync (Taobao, Pinduoduo). Both answer the same questions
(`ChannelStack`): `settle` waits until an order is placed and nothing of it is left to fetch.
`stream_until_acked` serves the adapter tests of the channels with a message stream."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import httpx
from fastapi import FastAPI
from ingest.channels.base import ChannelAdapter, PushSink
from ingest.channels.hub import ChannelHub
from ingest.channels.repository import read_watermark
from ingest.channels.sync import sync_shop_once
from ingest.channels.worker import run_fetches_once
from ingest.deps import IngestDeps
from ingest.main import build_spec
from ingest.settings import IngestSettings
from ingest.tables import fetch_tasks, messaging, orders, platform_orders
from orderhub_devstack.bootstrap import bootstrap_database, drop_database
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, read_topic, running_app
from orderhub_runtime.app import ServiceContext, create_service_app
from orderhub_runtime.db import Database
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from orderhub_simulators.channels.douyin.pushes import HttpPusher
from orderhub_simulators.channels.taobao.hub import MessageHub
from orderhub_simulators.testing import serve
from sqlalchemy import func, select

NOWHERE = "http://127.0.0.1:9"  # the other channels: nothing listens, they stay idle
OUTBOX = messaging.outbox
Row = dict[str, Any]  # an order row with its platform state, as the tests read it


class _Pushing(Protocol):
    """A simulator that pushes to ingest over HTTP (Douyin, Shopee, WeChat Pay)."""

    @property
    def pusher(self) -> HttpPusher: ...


class _Streaming(Protocol):
    """A simulator whose messages ingest takes from a stream (Taobao TMC, Pinduoduo)."""

    @property
    def hub(self) -> MessageHub: ...


P = TypeVar("P", bound=_Pushing)
M = TypeVar("M", bound=_Streaming)


async def own_database(stack: StackInfo, name: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh, migrated ingest database; returns its URL and how to drop it."""
    database = f"orderhub_{name}_{uuid.uuid4().hex[:8]}"
    password = unquote(urlsplit(stack.service_database_urls["ingest"]).password or "")
    url = (await bootstrap_database(stack.admin_url, database, ["ingest"], {"ingest": password}))["ingest"]
    await asyncio.to_thread(upgrade_head, "ingest", url)

    async def drop() -> None:
        await drop_database(stack.admin_url, database)

    return url, drop


class ChannelStack:
    """Ingest next to one channel's simulator: what the tests ask of it, the same for both shapes."""

    channel: str
    shop: str
    http: httpx.AsyncClient
    runtime: RuntimeSettings
    ctx: ServiceContext[IngestDeps]

    @property
    def deps(self) -> IngestDeps:
        return self.ctx.deps

    @property
    def db(self) -> Database:
        return self.ctx.db

    @property
    def hub(self) -> ChannelHub:
        return self.deps.hub

    async def settle(self, order_no: str) -> str:
        """The order's ID once it is placed and nothing of it is left to fetch."""
        raise NotImplementedError

    async def quiesce(self) -> None:
        """Let every fetch that is due run (the background worker's job in a live stack)."""

    async def sync(self) -> int:
        """One sync of the shop (what the background sync does every interval); how many were listed."""
        return await sync_shop_once(self.hub, self.db, self.channel, self.shop)

    async def order_id(self, order_no: str) -> str | None:
        async with self.db.read() as conn:
            found: str | None = await conn.scalar(
                select(orders.c.order_id).where(orders.c.channel == self.channel, orders.c.channel_order_no == order_no)
            )
        return found

    async def order(self, order_no: str) -> Row | None:
        async with self.db.read() as conn:
            query = (
                select(orders, platform_orders.c.last_source, platform_orders.c.platform_status)
                .join(platform_orders, platform_orders.c.order_id == orders.c.order_id)
                .where(orders.c.channel == self.channel, orders.c.channel_order_no == order_no)
            )
            row = (await conn.execute(query)).mappings().first()
        return dict(row) if row else None

    async def count(self, order_id: str, event_type: str) -> int:
        async with self.db.read() as conn:
            query = (
                select(func.count())
                .select_from(OUTBOX)
                .where(OUTBOX.c.key == order_id, OUTBOX.c.event_type == event_type)
            )
            return int(await conn.scalar(query) or 0)

    async def events(self, order_id: str) -> list[str]:
        """The event types published for the order, in order (from the outbox)."""
        async with self.db.read() as conn:
            rows = await conn.scalars(select(OUTBOX.c.event_type).where(OUTBOX.c.key == order_id).order_by(OUTBOX.c.id))
            return list(rows)

    async def open_fetches(self, order_no: str) -> int:
        async with self.db.read() as conn:
            query = (
                select(func.count())
                .select_from(fetch_tasks)
                .where(
                    fetch_tasks.c.channel == self.channel,
                    fetch_tasks.c.channel_order_no == order_no,
                    fetch_tasks.c.done_at.is_(None),
                )
            )
            return int(await conn.scalar(query) or 0)

    async def watermark(self) -> datetime | None:
        async with self.db.read() as conn:
            return await read_watermark(conn, self.channel, self.shop)

    async def topic_events(self, order_id: str) -> list[str]:
        """The order's event types on orders.v1 once everything in the outbox for it is sent."""

        async def all_sent() -> bool:
            async with self.db.read() as conn:
                unsent = await conn.scalar(
                    select(func.count()).select_from(OUTBOX).where(OUTBOX.c.key == order_id, OUTBOX.c.sent_at.is_(None))
                )
            return not unsent

        await eventually(all_sent)
        seen = await read_topic(
            self.runtime.kafka_bootstrap_servers,
            "orders.v1",
            prefix=self.runtime.topic_prefix,
            until=lambda got: any(e.subject == order_id and e.type == "order.placed" for e in got),
        )
        return [e.type for e in seen if e.subject == order_id]


@dataclass
class SteppedEnv(ChannelStack, Generic[P]):
    sim: P
    http: httpx.AsyncClient
    ctx: ServiceContext[IngestDeps]
    runtime: RuntimeSettings
    sim_url: str
    channel: str
    shop: str

    @property
    def bootstrap(self) -> str:
        return self.runtime.kafka_bootstrap_servers

    async def drain(self) -> None:
        """Run the fetch worker until nothing is due (what the background loop does)."""
        while await run_fetches_once(self.hub, self.db):
            pass

    async def quiesce(self) -> None:
        await self.drain()

    async def settle(self, order_no: str) -> str:
        await self.drain()
        found = await self.order_id(order_no)
        assert found is not None, f"{self.channel} order {order_no} was not placed"
        return found


@contextlib.asynccontextmanager
async def stepped_stack(
    stack: StackInfo,
    channel: str,
    sim: P,
    sim_app: FastAPI,
    *,
    webhook: str,
    url_settings: Sequence[str],
    shop: str = "",
) -> AsyncIterator[SteppedEnv[P]]:
    """Ingest with no background channel work and no consumers; the simulator pushes to `webhook` on
    it, and each of `url_settings` points at the simulator."""
    url, drop = await own_database(stack, channel[:2])
    runtime = RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=stack.kafka_bootstrap_servers,
        topic_prefix=f"{stack.topic_prefix}{channel[:2]}{uuid.uuid4().hex[:6]}.",
    )
    try:
        async with serve(sim_app) as port:
            sim_url = f"http://127.0.0.1:{port}"
            pointed: dict[str, Any] = dict.fromkeys(url_settings, sim_url)
            settings = IngestSettings(database_url=url, channels_enabled=False, **pointed)
            spec = build_spec(settings, runtime)
            spec.handlers = {}  # nothing here consumes other services' events
            app = create_service_app(spec)
            async with running_app(app) as http:
                sim.pusher.http, sim.pusher.target_url = http, webhook
                ctx: ServiceContext[IngestDeps] = app.state.ctx
                yield SteppedEnv(sim, http, ctx, runtime, sim_url, channel, shop)
    finally:
        await drop()


@dataclass
class LiveEnv(ChannelStack, Generic[M]):
    sim: M
    http: httpx.AsyncClient
    runtime: RuntimeSettings
    ctx: ServiceContext[IngestDeps]
    channel: str
    shop: str

    async def settle(self, order_no: str) -> str:
        return await eventually(lambda: self.settled(order_no))

    async def settled(self, order_no: str) -> str | None:
        """The order's ID once it is placed and no fetch of it is open. The simulator is asked first: a
        message it no longer holds was acknowledged, so its fetch was queued before this query runs."""
        if self.sim.hub.pending:
            return None
        return None if await self.open_fetches(order_no) else await self.order_id(order_no)


# The two channels with a message stream: under test, the other one's stream points nowhere.
_STREAMING = ("taobao", "pinduoduo")


@contextlib.asynccontextmanager
async def live_stack(
    stack: StackInfo, channel: str, sim: M, sim_app: FastAPI, *, shop: str, tag: str
) -> AsyncIterator[LiveEnv[M]]:
    """The full ingest app (message stream, fetch worker, sync) on `channel`'s simulator for `shop`;
    every other channel points nowhere. `tag` names its database and topic prefix."""
    (other,) = (c for c in _STREAMING if c != channel)
    url, drop = await own_database(stack, tag)
    sim.hub.redeliver_after_s = 1.0
    try:
        async with serve(sim_app) as port:
            others = {f"{c}_base_url": NOWHERE for c in ("taobao", "pinduoduo", "douyin", "shopee", "miniprogram")}
            del others[f"{channel}_base_url"]
            settings = IngestSettings.model_validate(
                {
                    "database_url": url,
                    f"{channel}_base_url": f"http://127.0.0.1:{port}",
                    f"{channel}_message_url": f"ws://127.0.0.1:{port}",
                    f"{channel}_shop_ids": shop,
                    f"{other}_message_url": NOWHERE.replace("http", "ws"),
                    f"{other}_shop_ids": "",
                    "douyin_shop_ids": "",
                    "sync_interval_s": 3600,
                    "sync_overlap_s": 3600,
                    "fetch_poll_interval_s": 0.05,
                    **others,
                }
            )
            runtime = RuntimeSettings(
                env="test",
                kafka_bootstrap_servers=stack.kafka_bootstrap_servers,
                topic_prefix=f"{stack.topic_prefix}{tag}{uuid.uuid4().hex[:6]}.",
                consumer_retry_backoff_ms=50,
            )
            app = create_service_app(build_spec(settings, runtime))
            async with running_app(app) as http:
                ctx: ServiceContext[IngestDeps] = app.state.ctx
                yield LiveEnv(sim, http, runtime, ctx, channel, shop)
    finally:
        await drop()


async def stream_until_acked(adapter: ChannelAdapter, sink: PushSink, hub: MessageHub, message_id: int) -> None:
    """Run the adapter's message stream until the simulator's hub holds `message_id` as acknowledged,
    then stop it."""
    stream = asyncio.create_task(adapter.stream(sink))

    async def acked() -> bool:
        return message_id in hub.acked

    try:
        await eventually(acked, timeout_s=6.0, interval_s=0.02)
    finally:
        stream.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stream

"""Shared by the channel stack tests: ingest on a database and under a topic prefix of its own (so no
other app competes for its fetch queue), next to one channel's simulator served in-process.

Two shapes: `stepped_stack` runs no background channel work, the tests drive the fetch worker and the
sync one step at a time (Douyin, Shopee, the mini-program); `live_stack` runs the full app with its
message stream, fetch worker and sync (Taobao, Pinduoduo), and the helpers below wait for it.
`stream_until_acked` serves the adapter tests of the channels with a message stream."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import httpx
from fastapi import FastAPI
from ingest.channels.base import ChannelAdapter, PushSink
from ingest.channels.hub import ChannelHub
from ingest.channels.worker import run_fetches_once
from ingest.main import build_spec, create_app
from ingest.settings import IngestSettings
from ingest.tables import fetch_tasks, messaging, orders, platform_orders
from orderhub_devstack.bootstrap import bootstrap_database, drop_database
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, read_topic, running_app
from orderhub_runtime.app import ServiceContext, create_service_app
from orderhub_runtime.db import Database
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from orderhub_simulators.testing import serve
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

NOWHERE = "http://127.0.0.1:9"  # the other channels: nothing listens, they stay idle
OUTBOX = messaging.outbox


class _Pushing(Protocol):
    @property
    def pusher(self) -> Any: ...


class _Streaming(Protocol):
    @property
    def hub(self) -> Any: ...


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


@dataclass
class SteppedEnv(Generic[P]):
    sim: P
    http: httpx.AsyncClient
    ctx: ServiceContext
    hub: ChannelHub
    engine: AsyncEngine
    runtime: RuntimeSettings
    bootstrap: str
    sim_url: str
    channel: str

    async def drain(self) -> None:
        """Run the fetch worker until nothing is due (what the background loop does)."""
        while await run_fetches_once(self.hub, self.ctx.db):
            pass

    async def count(self, order_id: str, event_type: str) -> int:
        async with self.engine.connect() as conn:
            return int(
                await conn.scalar(
                    select(func.count())
                    .select_from(OUTBOX)
                    .where(OUTBOX.c.key == order_id, OUTBOX.c.event_type == event_type)
                )
                or 0
            )

    async def order(self, order_no: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(orders, platform_orders.c.last_source, platform_orders.c.platform_status)
                        .join(platform_orders, platform_orders.c.order_id == orders.c.order_id)
                        .where(orders.c.channel == self.channel, orders.c.channel_order_no == order_no)
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None


@contextlib.asynccontextmanager
async def stepped_stack(
    stack: StackInfo,
    channel: str,
    sim: P,
    sim_app: FastAPI,
    *,
    webhook: str,
    url_settings: Sequence[str],
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
                ctx: ServiceContext = app.state.ctx
                yield SteppedEnv(
                    sim,
                    http,
                    ctx,
                    spec.deps.hub,
                    ctx.engine,
                    runtime,
                    stack.kafka_bootstrap_servers,
                    sim_url,
                    channel,
                )
    finally:
        await drop()


@dataclass
class LiveEnv(Generic[M]):
    sim: M
    app: FastAPI
    http: httpx.AsyncClient
    runtime: RuntimeSettings
    channel: str

    @property
    def db(self) -> Database:
        db: Database = self.app.state.ctx.db
        return db

    @property
    def hub(self) -> ChannelHub:
        hub: ChannelHub = self.app.state.ctx.deps.hub
        return hub


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
            app = create_app(settings, runtime)
            async with running_app(app) as http:
                yield LiveEnv(sim, app, http, runtime, channel)
    finally:
        await drop()


async def order_id(env: LiveEnv[Any], order_no: str) -> str | None:
    async with env.db.transaction() as tx:
        found: str | None = await tx.conn.scalar(
            select(orders.c.order_id).where(orders.c.channel == env.channel, orders.c.channel_order_no == order_no)
        )
        return found


async def settled(env: LiveEnv[Any], order_no: str) -> str | None:
    """The order's ID once it is placed and no fetch of it is open. The simulator is asked first: a
    message it no longer holds was acknowledged, so its fetch was queued before this query runs."""
    if env.sim.hub.pending:
        return None
    async with env.db.transaction() as tx:
        open_tasks = await tx.conn.scalar(
            select(func.count())
            .select_from(fetch_tasks)
            .where(
                fetch_tasks.c.channel == env.channel,
                fetch_tasks.c.channel_order_no == order_no,
                fetch_tasks.c.done_at.is_(None),
            )
        )
    return None if open_tasks else await order_id(env, order_no)


async def events(env: LiveEnv[Any], oid: str) -> list[str]:
    async with env.db.transaction() as tx:
        rows = await tx.conn.scalars(select(OUTBOX.c.event_type).where(OUTBOX.c.key == oid).order_by(OUTBOX.c.id))
        return list(rows)


async def placed_on_topic(env: LiveEnv[Any], oid: str) -> int:
    async def all_sent() -> bool:
        async with env.db.transaction() as tx:
            return not await tx.conn.scalar(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.key == oid, OUTBOX.c.sent_at.is_(None))
            )

    await eventually(all_sent)
    seen = await read_topic(
        env.runtime.kafka_bootstrap_servers,
        "orders.v1",
        prefix=env.runtime.topic_prefix,
        until=lambda got: any(e.subject == oid and e.type == "order.placed" for e in got),
    )
    return sum(1 for e in seen if e.subject == oid and e.type == "order.placed")


async def stream_until_acked(adapter: ChannelAdapter, sink: PushSink, hub: Any, message_id: object) -> None:
    """Run the adapter's message stream until the simulator's hub holds `message_id` as acknowledged
    (or six seconds pass), then stop it."""
    stream = asyncio.create_task(adapter.stream(sink))
    try:
        for _ in range(300):
            if message_id in hub.acked:
                break
            await asyncio.sleep(0.02)
    finally:
        stream.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stream

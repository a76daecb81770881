"""Taobao end to end on the real PostgreSQL + broker: the Taobao simulator in-process, an ingest app
of its own (own database and topic prefix, so no other app competes for its fetch queue) streaming
TMC, fetching, decrypting and syncing. One order per trade however often it arrives; a lost push
comes in through the sync; later platform changes become their own events."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from ingest.channels.hub import ChannelHub, get_hub
from ingest.channels.receive import receive_push
from ingest.channels.sync import sync_shop_once
from ingest.channels.taobao.client import top_time
from ingest.main import create_app
from ingest.settings import IngestSettings
from ingest.tables import fetch_tasks, orders, raw_pushes
from orderhub_devstack.bootstrap import bootstrap_database, drop_database
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, read_topic, running_app
from orderhub_runtime.db import Database
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.schema import add_messaging_tables, service_metadata
from orderhub_runtime.settings import RuntimeSettings
from orderhub_simulators.channels.taobao.app import create_app as create_simulator
from orderhub_simulators.channels.taobao.state import TaobaoState
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHOP = "local-taobao-shop"
NOWHERE = "http://127.0.0.1:9"  # the other channels: nothing listens, they stay idle
OUTBOX = add_messaging_tables(service_metadata("ingest")).outbox
_tids = itertools.count(int(time.time()) * 1000)


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[int]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers no started event
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


@dataclass
class Env:
    sim: TaobaoState
    app: FastAPI
    http: httpx.AsyncClient
    runtime: RuntimeSettings

    @property
    def db(self) -> Database:
        db: Database = self.app.state.ctx.db
        return db

    @property
    def hub(self) -> ChannelHub:
        return get_hub(self.app.state.ctx)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    name = f"orderhub_tb_{uuid.uuid4().hex[:8]}"
    password = unquote(urlsplit(orderhub_stack.service_database_urls["ingest"]).password or "")
    url = (await bootstrap_database(orderhub_stack.admin_url, name, ["ingest"], {"ingest": password}))["ingest"]
    await asyncio.to_thread(upgrade_head, "ingest", url)
    sim = TaobaoState()
    sim.hub.redeliver_after_s = 1.0
    try:
        async with serve(create_simulator(sim)) as port:
            others = {f"{c}_base_url": NOWHERE for c in ("pinduoduo", "douyin", "shopee", "miniprogram")}
            settings = IngestSettings.model_validate(
                {
                    "database_url": url,
                    "taobao_base_url": f"http://127.0.0.1:{port}",
                    "taobao_message_url": f"ws://127.0.0.1:{port}",
                    "pinduoduo_message_url": NOWHERE.replace("http", "ws"),
                    "pinduoduo_shop_ids": "",
                    "douyin_shop_ids": "",
                    "sync_interval_s": 3600,
                    "sync_overlap_s": 3600,
                    "fetch_poll_interval_s": 0.05,
                    **others,
                }
            )
            runtime = RuntimeSettings(
                env="test",
                kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
                topic_prefix=f"{orderhub_stack.topic_prefix}tb{uuid.uuid4().hex[:6]}.",
                consumer_retry_backoff_ms=50,
            )
            app = create_app(settings, runtime)
            async with running_app(app) as http:
                yield Env(sim, app, http, runtime)
    finally:
        await drop_database(orderhub_stack.admin_url, name)


def at(minutes: float) -> str:
    return top_time(datetime.now(UTC) + timedelta(minutes=minutes))


def trade(tid: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tid": int(tid),
        "tid_str": tid,
        "status": "WAIT_SELLER_SEND_GOODS",
        "type": "fixed",
        "created": at(-10),
        "pay_time": at(-9),
        "modified": at(-9),
        "payment": "210.07",
        "post_fee": "10.00",
        "oaid": f"OAID-{tid}",
        "receiver_name": "张**",
        "receiver_mobile": "138****5678",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "西湖区",
        "receiver_town": "文新街道",
        "receiver_address": "文三路**",
        "buyer_message": "周末送货",
        "seller_memo": "",
        "orders": {
            "order": [
                {
                    "oid": int(tid) + 1,
                    "outer_sku_id": "HUM-01",
                    "title": "加湿器",
                    "num": 1,
                    "price": "200.07",
                    "payment": "200.07",
                    "refund_status": "NO_REFUND",
                }
            ]
        },
    }
    body.update(overrides)
    return body


def receiver(**overrides: str) -> dict[str, str]:
    return {
        "name": "张三",
        "mobile": "13812345678",
        "state": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "town": "文新街道",
        "address_detail": "文三路100号3幢502室",
        **overrides,
    }


def new_trade(env: Env, topic: str = "taobao_trade_TradeBuyerPay", **overrides: Any) -> dict[str, Any]:
    tid = str(next(_tids))
    body = trade(tid, **overrides)
    env.sim.receivers[body["oaid"]] = receiver()
    env.sim.put_trade(dict(body), topic)
    return body


async def order_id(env: Env, tid: str) -> str | None:
    async with env.db.transaction() as tx:
        found: str | None = await tx.conn.scalar(
            select(orders.c.order_id).where(orders.c.channel == "taobao", orders.c.channel_order_no == tid)
        )
        return found


async def settled(env: Env, tid: str) -> str | None:
    """The order's ID once it is placed and no fetch of it is open. The simulator is asked first: a
    message it no longer holds was acknowledged, so its fetch was queued before this query runs."""
    if env.sim.hub.pending:
        return None
    async with env.db.transaction() as tx:
        open_tasks = await tx.conn.scalar(
            select(func.count())
            .select_from(fetch_tasks)
            .where(
                fetch_tasks.c.channel == "taobao",
                fetch_tasks.c.channel_order_no == tid,
                fetch_tasks.c.done_at.is_(None),
            )
        )
    return None if open_tasks else await order_id(env, tid)


async def events(env: Env, oid: str) -> list[str]:
    async with env.db.transaction() as tx:
        rows = await tx.conn.scalars(select(OUTBOX.c.event_type).where(OUTBOX.c.key == oid).order_by(OUTBOX.c.id))
        return list(rows)


async def placed_on_topic(env: Env, oid: str) -> int:
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


async def test_a_pushed_trade_is_fetched_with_its_receiver_decrypted(env: Env) -> None:
    body = new_trade(env)
    oid = await eventually(lambda: settled(env, body["tid_str"]))
    async with env.db.transaction() as tx:
        row = (await tx.conn.execute(select(orders).where(orders.c.order_id == oid))).mappings().one()
    assert (row["receiver_name"], row["receiver_phone"], row["receiver_street"]) == ("张三", "13812345678", "文新街道")
    assert (row["buyer_remark"], row["shop_id"]) == ("周末送货", SHOP)
    assert await events(env, oid) == ["order.placed"]


async def test_pushed_twice_synced_and_pushed_again_is_one_order(env: Env) -> None:
    env.sim.hub.controls.duplicate_next = 1
    body = new_trade(env)
    tid = body["tid_str"]
    oid = await eventually(lambda: settled(env, tid))
    assert await sync_shop_once(env.hub, env.db, "taobao", SHOP) >= 1
    await eventually(lambda: settled(env, tid))
    env.sim.put_trade(dict(body), "taobao_trade_TradeChanged")  # the same trade pushed again
    await eventually(lambda: settled(env, tid))
    assert await order_id(env, tid) == oid
    assert await events(env, oid) == ["order.placed"]
    assert await placed_on_topic(env, oid) == 1


async def test_a_lost_push_is_recovered_by_the_sync(env: Env) -> None:
    env.sim.hub.controls.drop_next = 1
    body = new_trade(env)
    assert env.sim.hub.dropped and not env.sim.hub.pending
    assert await order_id(env, body["tid_str"]) is None
    assert await sync_shop_once(env.hub, env.db, "taobao", SHOP) >= 1
    oid = await eventually(lambda: settled(env, body["tid_str"]))
    assert await events(env, oid) == ["order.placed"]


async def test_later_platform_changes_become_their_own_events(env: Env) -> None:
    body = new_trade(env, topic="taobao_trade_TradeCreate", status="WAIT_BUYER_PAY", pay_time=None, modified=at(-8))
    tid = body["tid_str"]
    oid = await eventually(lambda: settled(env, tid))
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("taobao_trade_TradeBuyerPay", {"status": "WAIT_SELLER_SEND_GOODS", "pay_time": at(-7)}, "order.paid"),
        ("taobao_trade_TradeMemoModified", {"seller_memo": "送小样"}, "order.remarks_changed"),
        ("taobao_trade_TradeLogisticsAddressChanged", {"oaid": f"OAID-{tid}-2"}, "order.address_changed"),
    ]
    env.sim.receivers[f"OAID-{tid}-2"] = receiver(address_detail="文一路8号")
    for minute, (topic, change, expected) in enumerate(steps):
        body = {**body, **change, "modified": at(-6 + minute)}
        env.sim.put_trade(dict(body), topic)
        await eventually(lambda: settled(env, tid))
        assert (await events(env, oid))[-1] == expected
    refunded = [{**body["orders"]["order"][0], "refund_status": "SUCCESS"}]
    body = {**body, "status": "TRADE_CLOSED", "orders": {"order": refunded}, "modified": at(-1)}
    env.sim.put_trade(dict(body), "taobao_refund_RefundSuccess")
    await eventually(lambda: settled(env, tid))
    assert await events(env, oid) == [
        "order.placed",
        "order.paid",
        "order.remarks_changed",
        "order.address_changed",
        "order.refunded",
        "order.cancelled",
    ]
    async with env.db.transaction() as tx:
        row = (await tx.conn.execute(select(orders).where(orders.c.order_id == oid))).mappings().one()
    assert (row["seller_memo"], row["receiver_detail"]) == ("送小样", "文一路8号")


async def test_an_unsealed_message_is_archived_as_rejected_and_stays_rejected_on_replay(env: Env) -> None:
    message = {"id": 1, "topic": "taobao_trade_TradeBuyerPay", "user_id": SHOP, "content": json.dumps({"tid": 1})}
    frame = json.dumps(message).encode()
    outcome = await receive_push(env.db, env.hub.adapter("taobao"), {}, frame)
    assert not outcome.accepted and outcome.status == 401 and "x-tmc-seal" in outcome.reason
    staff = {"Authorization": "Bearer local-ops"}
    replayed = await env.http.post(f"/v1/ops/pushes/{outcome.push_id}/replay", headers=staff)
    assert replayed.status_code == 200, replayed.text
    async with env.db.transaction() as tx:
        verdict = await tx.conn.scalar(select(raw_pushes.c.verdict).where(raw_pushes.c.id == outcome.push_id))
        queued = await tx.conn.scalar(
            select(func.count()).select_from(fetch_tasks).where(fetch_tasks.c.channel_order_no == "1")
        )
    assert verdict == "rejected" and queued == 0

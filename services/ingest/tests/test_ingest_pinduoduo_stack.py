"""Pinduoduo end to end on the real PostgreSQL + broker: the Pinduoduo simulator in-process, an
ingest app of its own (own database and topic prefix, so no other app competes for its fetch queue)
on the message service, fetching, decrypting and syncing. One order per order_sn however often it
arrives; a lost push comes in through the sync; later platform changes become their own events."""

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
from ingest.channels.taobao.client import top_time  # the same GMT+8 text format
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
from orderhub_simulators.channels.pinduoduo.app import create_app as create_simulator
from orderhub_simulators.channels.pinduoduo.state import MALL_ID, PddState
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHOP = str(MALL_ID)
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
    sim: PddState
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
    name = f"orderhub_pdd_{uuid.uuid4().hex[:8]}"
    password = unquote(urlsplit(orderhub_stack.service_database_urls["ingest"]).password or "")
    url = (await bootstrap_database(orderhub_stack.admin_url, name, ["ingest"], {"ingest": password}))["ingest"]
    await asyncio.to_thread(upgrade_head, "ingest", url)
    sim = PddState()
    sim.hub.redeliver_after_s = 1.0
    try:
        async with serve(create_simulator(sim)) as port:
            others = {f"{c}_base_url": NOWHERE for c in ("taobao", "douyin", "shopee", "miniprogram")}
            settings = IngestSettings.model_validate(
                {
                    "database_url": url,
                    "pinduoduo_base_url": f"http://127.0.0.1:{port}",
                    "pinduoduo_message_url": f"ws://127.0.0.1:{port}",
                    "pinduoduo_shop_ids": SHOP,
                    "taobao_message_url": NOWHERE.replace("http", "ws"),
                    "taobao_shop_ids": "",
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
                topic_prefix=f"{orderhub_stack.topic_prefix}pdd{uuid.uuid4().hex[:6]}.",
                consumer_retry_backoff_ms=50,
            )
            app = create_app(settings, runtime)
            async with running_app(app) as http:
                yield Env(sim, app, http, runtime)
    finally:
        await drop_database(orderhub_stack.admin_url, name)


def at(minutes: float) -> str:
    return top_time(datetime.now(UTC) + timedelta(minutes=minutes))


def info(order_sn: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_sn": order_sn,
        "order_status": 1,
        "confirm_status": 1,
        "refund_status": 1,
        "created_time": at(-10),
        "confirm_time": at(-9),
        "pay_time": at(-9),
        "updated_at": at(-9),
        "pay_amount": "178.00",
        "goods_amount": "188.00",
        "discount_amount": "20.00",
        "postage": "10.00",
        "receiver_name": "林小坤",
        "receiver_phone": "13912345678",
        "province": "广东省",
        "city": "潮州市",
        "town": "潮安区",
        "address": "广东省潮州市潮安区彩塘镇王厝宫路8号",
        "receiver_address": "彩塘镇王厝宫路8号",
        "buyer_memo": "放门口",
        "remark": "",
        "is_pre_sale": 0,
        "item_list": [
            {
                "goods_id": 1,
                "sku_id": 2,
                "outer_id": "FAN-02",
                "goods_name": "落地扇",
                "goods_spec": "白色",
                "goods_count": 2,
                "goods_price": "94.00",
            }
        ],
    }
    body.update(overrides)
    return body


def new_order(env: Env, kind: str = "pdd_trade_TradeConfirmed", **overrides: Any) -> dict[str, Any]:
    body = info(f"261125-{next(_tids)}", **overrides)
    env.sim.put_order(dict(body), kind)
    return body


async def order_id(env: Env, order_sn: str) -> str | None:
    async with env.db.transaction() as tx:
        found: str | None = await tx.conn.scalar(
            select(orders.c.order_id).where(orders.c.channel == "pinduoduo", orders.c.channel_order_no == order_sn)
        )
        return found


async def settled(env: Env, order_sn: str) -> str | None:
    """The order's ID once it is placed and no fetch of it is open. The simulator is asked first: a
    message it no longer holds was acknowledged, so its fetch was queued before this query runs."""
    if env.sim.hub.pending:
        return None
    async with env.db.transaction() as tx:
        open_tasks = await tx.conn.scalar(
            select(func.count())
            .select_from(fetch_tasks)
            .where(
                fetch_tasks.c.channel == "pinduoduo",
                fetch_tasks.c.channel_order_no == order_sn,
                fetch_tasks.c.done_at.is_(None),
            )
        )
    return None if open_tasks else await order_id(env, order_sn)


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


async def test_a_pushed_order_is_fetched_with_its_receiver_decrypted(env: Env) -> None:
    body = new_order(env)
    oid = await eventually(lambda: settled(env, body["order_sn"]))
    async with env.db.transaction() as tx:
        row = (await tx.conn.execute(select(orders).where(orders.c.order_id == oid))).mappings().one()
    r = (row["receiver_name"], row["receiver_phone"], row["receiver_district"])
    assert r == ("林小坤", "13912345678", "潮安区")
    assert (row["receiver_detail"], row["buyer_remark"], row["shop_id"]) == ("彩塘镇王厝宫路8号", "放门口", SHOP)
    assert await events(env, oid) == ["order.placed"]


async def test_pushed_twice_synced_and_pushed_again_is_one_order(env: Env) -> None:
    env.sim.hub.controls.duplicate_next = 1
    body = new_order(env)
    order_sn = body["order_sn"]
    oid = await eventually(lambda: settled(env, order_sn))
    assert await sync_shop_once(env.hub, env.db, "pinduoduo", SHOP) >= 1
    await eventually(lambda: settled(env, order_sn))
    env.sim.put_order(dict(body), "pdd_trade_TradeConfirmed")  # the same order pushed again
    await eventually(lambda: settled(env, order_sn))
    assert await order_id(env, order_sn) == oid
    assert await events(env, oid) == ["order.placed"]
    assert await placed_on_topic(env, oid) == 1


async def test_a_lost_push_is_recovered_by_the_sync(env: Env) -> None:
    env.sim.hub.controls.drop_next = 1
    body = new_order(env)
    assert env.sim.hub.dropped and not env.sim.hub.pending
    assert await order_id(env, body["order_sn"]) is None
    assert await sync_shop_once(env.hub, env.db, "pinduoduo", SHOP) >= 1
    oid = await eventually(lambda: settled(env, body["order_sn"]))
    assert await events(env, oid) == ["order.placed"]


async def test_later_platform_changes_become_their_own_events(env: Env) -> None:
    body = new_order(env, updated_at=at(-8))
    order_sn = body["order_sn"]
    oid = await eventually(lambda: settled(env, order_sn))
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("pdd_trade_TradeMemoModified", {"remark": "加急"}, "order.remarks_changed"),
        (
            "pdd_trade_TradeLogisticsAddressChanged",
            {"receiver_address": "庵埠镇文里路1号", "address": "广东省潮州市潮安区庵埠镇文里路1号"},
            "order.address_changed",
        ),
        ("pdd_refund_RefundAgreeAgreement", {"refund_status": 4}, "order.cancelled"),
    ]
    for minute, (kind, change, expected) in enumerate(steps):
        body = {**body, **change, "updated_at": at(-6 + minute)}
        env.sim.put_order(dict(body), kind)
        await eventually(lambda: settled(env, order_sn))
        assert (await events(env, oid))[-1] == expected
    assert await events(env, oid) == [
        "order.placed",
        "order.remarks_changed",
        "order.address_changed",
        "order.refunded",
        "order.cancelled",
    ]
    async with env.db.transaction() as tx:
        row = (await tx.conn.execute(select(orders).where(orders.c.order_id == oid))).mappings().one()
    assert (row["seller_memo"], row["receiver_detail"]) == ("加急", "庵埠镇文里路1号")


async def test_an_unsealed_frame_is_archived_as_rejected(env: Env) -> None:
    frame = json.dumps(
        {
            "id": 1,
            "commandType": "Common",
            "message": {"type": "pdd_trade_TradeConfirmed", "mallID": MALL_ID, "content": json.dumps({"tid": "1"})},
        }
    ).encode()
    outcome = await receive_push(env.db, env.hub.adapter("pinduoduo"), {}, frame)
    assert not outcome.accepted and outcome.status == 401 and "x-pdd-seal" in outcome.reason
    staff = {"Authorization": "Bearer local-ops"}
    listed = (
        await env.http.get("/v1/ops/pushes", params={"channel": "pinduoduo", "verdict": "rejected"}, headers=staff)
    ).json()
    assert outcome.push_id in [p["id"] for p in listed]
    async with env.db.transaction() as tx:
        verdict = await tx.conn.scalar(select(raw_pushes.c.verdict).where(raw_pushes.c.id == outcome.push_id))
    assert verdict == "rejected"

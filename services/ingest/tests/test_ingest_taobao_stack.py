"""Taobao end to end on the real PostgreSQL + broker: the Taobao simulator in-process, an ingest app
of its own (own database and topic prefix, so no other app competes for its fetch queue) streaming
TMC, fetching, decrypting and syncing. One order per trade however often it arrives; a lost push
comes in through the sync; later platform changes become their own events."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from ingest.channels.service import receive_push
from ingest.channels.sync import sync_shop_once
from ingest.channels.taobao.client import top_time
from ingest.tables import fetch_tasks, orders, raw_pushes
from ingest_channel_stack import LiveEnv, events, live_stack, order_id, placed_on_topic, settled
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually
from orderhub_simulators.channels.taobao.app import create_app as create_simulator
from orderhub_simulators.channels.taobao.state import TaobaoState
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHOP = "local-taobao-shop"
_tids = itertools.count(int(time.time()) * 1000)


Env = LiveEnv[TaobaoState]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    sim = TaobaoState()
    async with live_stack(orderhub_stack, "taobao", sim, create_simulator(sim), shop=SHOP, tag="tb") as live:
        yield live


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
    outcome = await env.db.run_in_transaction(lambda tx: receive_push(tx, env.hub.adapter("taobao"), {}, frame))
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

"""Pinduoduo end to end on the real PostgreSQL + broker: the Pinduoduo simulator in-process, an
ingest app of its own (own database and topic prefix, so no other app competes for its fetch queue)
on the message service, fetching, decrypting and syncing. One order per order_sn however often it
arrives; a lost push comes in through the sync; later platform changes become their own events."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from ingest.channels.service import receive_push
from ingest.channels.sync import sync_shop_once
from ingest.tables import orders, raw_pushes
from ingest_channel_stack import LiveEnv, events, live_stack, order_id, placed_on_topic, settled
from ingest_pdd_orders import at, order_info
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually
from orderhub_simulators.channels.pinduoduo.app import create_app as create_simulator
from orderhub_simulators.channels.pinduoduo.state import MALL_ID, PddState
from sqlalchemy import select

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHOP = str(MALL_ID)
_tids = itertools.count(int(time.time()) * 1000)


Env = LiveEnv[PddState]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    sim = PddState()
    async with live_stack(orderhub_stack, "pinduoduo", sim, create_simulator(sim), shop=SHOP, tag="pdd") as live:
        yield live


def info(order_sn: str, **overrides: Any) -> dict[str, Any]:
    return order_info(order_sn, created_min=-10, paid_min=-9, is_pre_sale=0, **overrides)


def new_order(env: Env, kind: str = "pdd_trade_TradeConfirmed", **overrides: Any) -> dict[str, Any]:
    body = info(f"261125-{next(_tids)}", **overrides)
    env.sim.put_order(dict(body), kind)
    return body


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
    outcome = await env.db.run_in_transaction(lambda tx: receive_push(tx, env.hub.adapter("pinduoduo"), {}, frame))
    assert not outcome.accepted and outcome.status == 401 and "x-pdd-seal" in outcome.reason
    staff = {"Authorization": "Bearer local-ops"}
    listed = (
        await env.http.get("/v1/ops/pushes", params={"channel": "pinduoduo", "verdict": "rejected"}, headers=staff)
    ).json()
    assert outcome.push_id in [p["id"] for p in listed]
    async with env.db.transaction() as tx:
        verdict = await tx.conn.scalar(select(raw_pushes.c.verdict).where(raw_pushes.c.id == outcome.push_id))
    assert verdict == "rejected"

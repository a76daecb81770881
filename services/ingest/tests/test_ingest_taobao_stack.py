"""Taobao end to end on the real PostgreSQL + broker: the Taobao simulator in-process, an ingest app
of its own (own database and topic prefix, so no other app competes for its fetch queue) streaming
TMC, fetching, decrypting and syncing. One order per trade however often it arrives; a lost push
comes in through the sync; later platform changes become their own events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from channel_orders import new_taobao_trade, taobao_receiver
from channel_platforms import TAOBAO_SHOP as SHOP
from channel_platforms import taobao_stack
from ingest.channels.service import receive_push
from ingest.tables import fetch_tasks, orders, raw_pushes
from ingest_channel_stack import LiveEnv
from ingest_pdd_orders import at
from orderhub_devstack.stack import StackInfo
from orderhub_simulators.channels.taobao.state import TaobaoState
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")


Env = LiveEnv[TaobaoState]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    async with taobao_stack(orderhub_stack) as live:
        yield live


async def test_later_platform_changes_become_their_own_events(env: Env) -> None:
    body = new_taobao_trade(
        env.sim, topic="taobao_trade_TradeCreate", status="WAIT_BUYER_PAY", pay_time=None, modified=at(-8)
    )
    tid = body["tid_str"]
    oid = await env.settle(tid)
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("taobao_trade_TradeBuyerPay", {"status": "WAIT_SELLER_SEND_GOODS", "pay_time": at(-7)}, "order.paid"),
        ("taobao_trade_TradeMemoModified", {"seller_memo": "送小样"}, "order.remarks_changed"),
        ("taobao_trade_TradeLogisticsAddressChanged", {"oaid": f"OAID-{tid}-2"}, "order.address_changed"),
    ]
    env.sim.receivers[f"OAID-{tid}-2"] = taobao_receiver(address_detail="文一路8号")
    for minute, (topic, change, expected) in enumerate(steps):
        body = {**body, **change, "modified": at(-6 + minute)}
        env.sim.put_trade(dict(body), topic)
        await env.settle(tid)
        assert (await env.events(oid))[-1] == expected
    refunded = [{**body["orders"]["order"][0], "refund_status": "SUCCESS"}]
    body = {**body, "status": "TRADE_CLOSED", "orders": {"order": refunded}, "modified": at(-1)}
    env.sim.put_trade(dict(body), "taobao_refund_RefundSuccess")
    await env.settle(tid)
    assert await env.events(oid) == [
        "order.placed",
        "order.paid",
        "order.remarks_changed",
        "order.address_changed",
        "order.refunded",
        "order.cancelled",
    ]
    async with env.db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.order_id == oid))).mappings().one()
    assert (row["seller_memo"], row["receiver_detail"]) == ("送小样", "文一路8号")


async def test_an_unsealed_message_is_archived_as_rejected_and_stays_rejected_on_replay(env: Env) -> None:
    message = {"id": 1, "topic": "taobao_trade_TradeBuyerPay", "user_id": SHOP, "content": json.dumps({"tid": 1})}
    frame = json.dumps(message).encode()
    outcome = await env.db.run_in_transaction(lambda tx: receive_push(tx, env.hub.adapter("taobao"), {}, frame))
    assert not outcome.accepted and outcome.status == 401 and "x-tmc-seal" in outcome.reason
    staff = {"Authorization": "Bearer local-ops"}
    replayed = await env.http.post(f"/v1/ops/pushes/{outcome.push_id}/replay", headers=staff)
    assert replayed.status_code == 200, replayed.text
    async with env.db.read() as conn:
        verdict = await conn.scalar(select(raw_pushes.c.verdict).where(raw_pushes.c.id == outcome.push_id))
        queued = await conn.scalar(
            select(func.count()).select_from(fetch_tasks).where(fetch_tasks.c.channel_order_no == "1")
        )
    assert verdict == "rejected" and queued == 0

"""Pinduoduo end to end on the real PostgreSQL + broker: the Pinduoduo simulator in-process, an
ingest app of its own (own database and topic prefix, so no other app competes for its fetch queue)
on the message service, fetching, decrypting and syncing. One order per order_sn however often it
arrives; a lost push comes in through the sync; later platform changes become their own events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from channel_orders import new_pdd_order
from channel_platforms import pinduoduo_stack
from ingest.channels.service import receive_push
from ingest.tables import orders, raw_pushes
from ingest_channel_stack import LiveEnv
from ingest_pdd_orders import at
from orderhub_devstack.stack import StackInfo
from orderhub_simulators.channels.pinduoduo.state import MALL_ID, PddState
from sqlalchemy import select

pytestmark = pytest.mark.asyncio(loop_scope="session")


Env = LiveEnv[PddState]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    async with pinduoduo_stack(orderhub_stack) as live:
        yield live


async def test_later_platform_changes_become_their_own_events(env: Env) -> None:
    body = new_pdd_order(env.sim, updated_at=at(-8))
    order_sn = body["order_sn"]
    oid = await env.settle(order_sn)
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
        await env.settle(order_sn)
        assert (await env.events(oid))[-1] == expected
    assert await env.events(oid) == [
        "order.placed",
        "order.remarks_changed",
        "order.address_changed",
        "order.refunded",
        "order.cancelled",
    ]
    async with env.db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.order_id == oid))).mappings().one()
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
    async with env.db.read() as conn:
        verdict = await conn.scalar(select(raw_pushes.c.verdict).where(raw_pushes.c.id == outcome.push_id))
    assert verdict == "rejected"

"""Douyin end to end on the real stack: the simulator pushes to the ingest webhook over HTTP, the
fetch worker pulls the signed detail and decrypts the receiver, the sync's list recovers lost pushes,
and every channel order becomes one order with one order.placed however often it is pushed or listed."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import random
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from channel_orders import DOUYIN_SHOP as SHOP
from channel_orders import douyin_order
from channel_platforms import douyin_stack
from ingest.channels.douyin import adapter as douyin_adapter
from ingest.tables import raw_pushes
from ingest_channel_stack import SteppedEnv
from orderhub_devstack.stack import StackInfo
from orderhub_simulators import feed, platform_feeds
from orderhub_simulators.channels.douyin import generate
from orderhub_simulators.channels.douyin.state import DouyinState
from sqlalchemy import select

pytestmark = pytest.mark.asyncio(loop_scope="session")


Env = SteppedEnv[DouyinState]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    """Ingest in a database and under a topic prefix of its own, with no background channel work:
    the tests run the fetch worker and the sync themselves, one step at a time."""
    async with douyin_stack(orderhub_stack) as stepped:
        yield stepped


async def test_the_webhook_answers_in_douyins_form(env: Env) -> None:
    order = douyin_order()
    await env.sim.put_order(order, "create")
    assert env.sim.pusher.delivered[-1]["status"] == 200
    assert json.loads(env.sim.pusher.delivered[-1]["body"]) == {"code": 0, "msg": "success"}


async def test_payment_after_placement_becomes_order_paid(env: Env) -> None:
    order = douyin_order(status=1)
    await env.sim.put_order(order, "create")
    await env.drain()
    row = await env.order(order["order_id"])
    assert row is not None and row["paid_at"] is None
    stored = env.sim.orders[order["order_id"]]
    paid = douyin_order(**{k: stored[k] for k in ("order_id", "create_time")})
    paid.update(order_status=2, pay_time=stored["create_time"] + 30, update_time=stored["update_time"] + 1)
    await env.sim.put_order(paid, "paid")
    await env.drain()
    assert await env.count(row["order_id"], "order.paid") == 1
    after = await env.order(order["order_id"])
    assert after is not None and after["paid_at"] is not None and after["platform_status"] == "2"


async def test_reordered_pushes_end_in_the_latest_state(env: Env) -> None:
    order = douyin_order(status=1)
    env.sim.pusher.controls.reorder = True
    await env.sim.put_order(order, "create")
    paid = dict(order, order_status=2, pay_time=order["create_time"] + 30, update_time=order["update_time"] + 1)
    await env.sim.put_order(paid, "paid")
    env.sim.pusher.controls.reorder = False
    assert await env.sim.pusher.flush() == 2  # the paid push arrives before the create push
    await env.drain()
    row = await env.order(order["order_id"])
    assert row is not None and row["paid_at"] is not None
    assert await env.count(row["order_id"], "order.placed") == 1


async def test_unsigned_or_badly_signed_push_is_refused_archived_and_queues_nothing(env: Env) -> None:
    body = env.sim.push_body(douyin_order(), "100")[1]
    unsigned = await env.http.post("/webhooks/douyin", content=body)
    bad = await env.http.post(
        "/webhooks/douyin",
        content=body,
        headers={"app-id": "local-douyin", "event-sign": hashlib.md5(b"local-douyin" + body + b"guess").hexdigest()},
    )
    assert unsigned.status_code == 401 and bad.status_code == 401
    assert bad.json()["code"] == 40041 and "event-sign" in bad.json()["msg"]
    async with env.db.read() as conn:
        archived = (await conn.execute(select(raw_pushes).where(raw_pushes.c.id == bad.json()["push_id"]))).one()
    assert archived.verdict == "rejected" and bytes(archived.body) == body and "event-sign" in archived.reason
    listed = await env.http.get(
        "/v1/ops/pushes",
        params={"channel": "douyin", "verdict": "rejected"},
        headers={"Authorization": "Bearer local-ops"},
    )
    assert bad.json()["push_id"] in [p["id"] for p in listed.json()]
    assert unsigned.json()["push_id"] in [p["id"] for p in listed.json()]


async def test_a_realistic_stream_with_lost_and_repeated_pushes_lands_every_order_once(env: Env) -> None:
    rng = random.Random(20261124)
    numbers: list[str] = []
    for n in range(15):
        order = generate.random_order(rng, SHOP, paid=n % 4 != 0)
        env.sim.pusher.controls.drop_next = 1 if n % 5 == 1 else 0
        env.sim.pusher.controls.duplicate_next = 1 if n % 3 == 2 else 0
        await env.sim.put_order(order, "create")
        numbers.append(order["order_id"])
    for number in numbers[::4]:  # the unpaid ones get paid
        await env.sim.put_order(generate.paid_version(env.sim.orders[number]), "paid")
    await env.drain()
    await env.sync()
    await env.drain()
    for number in numbers:
        row = await env.order(number)
        assert row is not None and row["paid_at"] is not None, number
        assert await env.count(row["order_id"], "order.placed") == 1
        assert row["paid_total_fen"] == sum(s["pay_amount"] for s in env.sim.orders[number]["sku_order_list"])


async def test_platform_changes_from_the_feed_become_their_own_events(env: Env) -> None:
    """The `--feed` shapes: payment, address, memo and cancellation on the platform, one event each."""
    rng = random.Random(99)
    order = dataclasses.replace(feed.sample_order(rng, int(time.time()) % 10**6 * 10 + 1), paid=False)
    moved = feed.sample_order(rng, order.seq)
    step = datetime.timedelta(seconds=1)
    changes = [
        ("paid", {"paid": True}),
        ("address", {"place": moved.place, "phone": moved.phone}),
        ("memo", {"memo": "加急"}),
        ("cancelled", {"cancelled": True}),
    ]
    async with httpx.AsyncClient(base_url=env.sim_url) as sim:
        number = await platform_feeds.feed_douyin(sim, order, "created")
        await env.drain()
        for n, (event, fields) in enumerate(changes, start=1):
            order = dataclasses.replace(order, modified=order.modified + n * step, **fields)  # type: ignore[arg-type]
            await platform_feeds.feed_douyin(sim, order, event)
            await env.drain()
    row = await env.order(number)
    assert row is not None
    for event_type in (
        "order.placed",
        "order.paid",
        "order.address_changed",
        "order.remarks_changed",
        "order.cancelled",
    ):
        assert await env.count(row["order_id"], event_type) == 1, event_type
    assert row["seller_memo"] == "加急" and row["receiver_detail"] == moved.place[4]
    assert row["receiver_phone"] == moved.phone and row["status"] == "cancelled"


async def test_a_push_refused_for_a_rotated_secret_is_taken_in_by_replay_after_the_fix(env: Env) -> None:
    order = douyin_order()
    env.sim.store(order)
    body = env.sim.push_body(env.sim.orders[order["order_id"]], "100")[1]
    rotated = {"app-id": "local-douyin", "event-sign": hashlib.md5(b"local-douyin" + body + b"rotated").hexdigest()}
    refused = await env.http.post("/webhooks/douyin", content=body, headers=rotated)
    assert refused.status_code == 401
    push_id, ops = refused.json()["push_id"], {"Authorization": "Bearer local-ops"}
    still = await env.http.post(f"/v1/ops/pushes/{push_id}/replay", headers=ops)
    assert still.status_code == 200 and still.json()["accepted"] is False  # replay checks the signature too
    fixed = dataclasses.replace(env.hub.settings.channel("douyin"), app_secret="rotated")
    original = env.hub.adapters["douyin"]
    env.hub.adapters["douyin"] = douyin_adapter.create_adapter(fixed, env.hub.http)
    try:
        replayed = await env.http.post(f"/v1/ops/pushes/{push_id}/replay", headers=ops)
    finally:
        env.hub.adapters["douyin"] = original
    assert replayed.json()["accepted"] is True and replayed.json()["orders"] == [order["order_id"]]
    await env.drain()
    row = await env.order(order["order_id"])
    assert row is not None and row["last_source"] == "replay"


async def test_bidi_controls_in_a_platform_receiver_are_dropped(env: Env) -> None:
    order = douyin_order(post_receiver="\u202e张三\u200f")
    await env.sim.put_order(order, "create")
    await env.drain()
    row = await env.order(order["order_id"])
    assert row is not None and row["receiver_name"] == "张三"

"""Shopee MY end to end on the real stack: the simulator pushes to the ingest webhook (HMAC over the
callback URL and body, answered 2xx with an empty body), the fetch worker pulls the signed v2 detail,
the sync's get_order_list recovers lost pushes, and one Shopee order is one order with one order.placed."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import json
import random
import time
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio
from channel_orders import shopee_order
from channel_platforms import shopee_stack
from ingest.tables import orders, raw_pushes
from ingest_channel_stack import SteppedEnv
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import read_topic
from orderhub_simulators import feed, platform_feeds
from orderhub_simulators.channels.shopee import generate
from orderhub_simulators.channels.shopee.state import ShopeeState
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")


Env = SteppedEnv[ShopeeState]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(orderhub_stack: StackInfo) -> AsyncIterator[Env]:
    """Ingest in a database and under a topic prefix of its own, with no background channel work:
    the tests run the fetch worker and the sync themselves, one step at a time."""
    async with shopee_stack(orderhub_stack) as stepped:
        yield stepped


async def test_the_webhook_answers_204_and_order_placed_carries_myr(env: Env) -> None:
    order = shopee_order()
    await env.sim.put_order(order)
    delivered = env.sim.pusher.delivered[-1]
    assert delivered["status"] == 204 and delivered["body"] == ""  # 2xx, empty body, as Shopee requires
    order_id = await env.settle(order["order_sn"])
    placed = await read_topic(
        env.bootstrap,
        "orders.v1",
        prefix=env.runtime.topic_prefix,
        until=lambda seen: any(e.subject == order_id for e in seen),
    )
    (event,) = [e for e in placed if e.subject == order_id]
    assert event.type == "order.placed" and event.data["order"]["currency"] == "MYR"


async def test_payment_and_cancellation_become_their_own_events(env: Env) -> None:
    order = shopee_order("UNPAID")
    await env.sim.put_order(order)
    await env.drain()
    row = await env.order(order["order_sn"])
    assert row is not None and row["paid_at"] is None
    paid = dict(
        env.sim.orders[order["order_sn"]],
        order_status="READY_TO_SHIP",
        pay_time=order["create_time"] + 5,
        update_time=order["update_time"] + 1,
    )
    await env.sim.put_order(paid)
    await env.drain()
    cancelled = dict(paid, order_status="CANCELLED", cancel_reason="OUT_OF_STOCK", update_time=paid["update_time"] + 1)
    await env.sim.put_order(cancelled)
    await env.drain()
    assert await env.count(row["order_id"], "order.paid") == 1
    assert await env.count(row["order_id"], "order.cancelled") == 1
    assert await env.count(row["order_id"], "order.placed") == 1


async def test_bad_or_missing_authorization_is_refused_and_archived(env: Env) -> None:
    body = env.sim.signed_push(env.sim.store(shopee_order())).body
    missing = await env.http.post("/webhooks/shopee", content=body)
    body_only = hmac.new(b"local-shopee-secret", body, hashlib.sha256).hexdigest()  # a common integration mistake
    bad = await env.http.post("/webhooks/shopee", content=body, headers={"authorization": body_only})
    assert missing.status_code == 401 and bad.status_code == 401
    assert "Authorization" in bad.text
    async with env.db.read() as conn:
        rows = (
            await conn.execute(
                select(raw_pushes).where(raw_pushes.c.channel == "shopee", raw_pushes.c.verdict == "rejected")
            )
        ).all()
    assert sum(bytes(r.body) == body for r in rows) == 2
    async with env.db.read() as conn:
        queued = await conn.scalar(
            select(func.count())
            .select_from(orders)
            .where(orders.c.channel_order_no == json.loads(body)["data"]["ordersn"])
        )
    assert queued == 0


async def test_a_realistic_stream_with_lost_and_repeated_pushes_lands_every_order_once(env: Env) -> None:
    rng = random.Random(20261124)
    numbers: list[str] = []
    for n in range(12):
        order = generate.random_order(rng, paid=n % 4 != 0)
        env.sim.pusher.controls.drop_next = 1 if n % 5 == 1 else 0
        env.sim.pusher.controls.duplicate_next = 1 if n % 3 == 2 else 0
        await env.sim.put_order(order)
        numbers.append(order["order_sn"])
    for number in numbers[::4]:
        await env.sim.put_order(generate.paid_version(env.sim.orders[number]))
    await env.drain()
    await env.sync()
    await env.drain()
    for number in numbers:
        row = await env.order(number)
        assert row is not None and row["paid_at"] is not None and row["currency"] == "MYR", number
        assert await env.count(row["order_id"], "order.placed") == 1
        expected = sum(
            Decimal(str(i["model_discounted_price"])) * 100 * i["model_quantity_purchased"]
            for i in env.sim.orders[number]["item_list"]
        )
        assert row["paid_total_fen"] == expected


async def test_platform_changes_from_the_feed_become_their_own_events(env: Env) -> None:
    """The `--feed` shapes: payment, buyer phone, seller note and cancellation, one event each."""
    rng = random.Random(98)
    order = dataclasses.replace(feed.sample_order(rng, int(time.time()) % 10**6 * 10 + 2), paid=False)
    moved = feed.sample_order(rng, order.seq)
    step = datetime.timedelta(seconds=1)
    changes = [
        ("paid", {"paid": True}),
        ("address", {"phone": moved.phone}),
        ("memo", {"memo": "加急"}),
        ("cancelled", {"cancelled": True}),
    ]
    async with httpx.AsyncClient(base_url=env.sim_url) as sim:
        number = await platform_feeds.feed_shopee(sim, order, "created")
        await env.drain()
        for n, (event, fields) in enumerate(changes, start=1):
            order = dataclasses.replace(order, modified=order.modified + n * step, **fields)  # type: ignore[arg-type]
            await platform_feeds.feed_shopee(sim, order, event)
            await env.drain()
    row = await env.order(number)
    assert row is not None and row["currency"] == "MYR"
    for event_type in (
        "order.placed",
        "order.paid",
        "order.address_changed",
        "order.remarks_changed",
        "order.cancelled",
    ):
        assert await env.count(row["order_id"], event_type) == 1, event_type
    assert row["status"] == "cancelled" and row["seller_memo"] == "VIP"

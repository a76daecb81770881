"""Channel intake end to end: the simulators of all five channels (Taobao, Pinduoduo, Douyin shop,
Shopee MY and the WeChat mini-program) feed the whole system running as processes. On the way some
pushes are lost (the periodic sync must find those orders) and some arrive twice; later payments and
seller memos follow. Every channel order comes out exactly once as `order.placed` on orders.v1, each
later change as its own event, and staff find the orders through the search."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.bootstrap import bootstrap_database, drop_database, service_passwords
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.system import ANY_TIME_OF_DAY, SystemUnderTest
from orderhub_devstack.testing import eventually, read_topic
from orderhub_simulators.catalogue import seed_catalogue
from orderhub_simulators.channels.miniprogram.feed import feed_miniprogram
from orderhub_simulators.channels.pinduoduo.state import MALL_ID
from orderhub_simulators.feed import GMT8, Feed, SampleOrder, sample_order
from orderhub_simulators.platform_feeds import FEEDS
from orderhub_simulators.registry import discover

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

STREAMED = ("taobao", "pinduoduo")  # message streams (WebSocket), acknowledged per message
PUSHED = ("douyin", "shopee")  # HTTP pushes to ingest's webhooks
PLATFORMS = (*STREAMED, *PUSHED)
CHANNELS = (*PLATFORMS, "miniprogram")
PER_CHANNEL = 8
PAID_LATER = (0, 1)  # created unpaid, paid once the order is out
MEMO_LATER = 3  # the seller adds a memo on the platform once the order is out


def lost(i: int) -> bool:
    """Pushes the platform loses: only the sync can bring these orders in."""
    return i % 4 == 2


def twice(i: int) -> bool:
    """Pushes (or, for the mini-program, payment notifications) the platform sends twice."""
    return i % 3 == 1


CS = {"Authorization": "Bearer local-cs"}
FEEDS_BY_CHANNEL: dict[str, Feed] = {**FEEDS, "miniprogram": feed_miniprogram}
Key = tuple[str, str]  # (channel, channel order number)


@dataclass
class Simulator:
    name: str
    state: Any  # the simulator's state object (app.state.sim): its push controls and what it holds
    url: str

    @property
    def controls(self) -> Any:
        return self.state.hub.controls if self.name in STREAMED else self.state.pusher.controls


@dataclass
class Fed:
    """What the simulators were fed: each channel order as last sent, and the IDs ingest gave them."""

    orders: dict[Key, SampleOrder] = field(default_factory=dict)
    index: dict[Key, int] = field(default_factory=dict)  # position in its channel's stream
    order_ids: dict[Key, str] = field(default_factory=dict)
    paid_later: set[Key] = field(default_factory=set)
    memo_later: set[Key] = field(default_factory=set)

    def of(self, channel: str, i: int) -> Key:
        return next(k for k, n in self.index.items() if k[0] == channel and n == i)


@dataclass
class Intake:
    system: SystemUnderTest
    sims: dict[str, Simulator]
    fed: Fed = field(default_factory=Fed)


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[int]:
    """A simulator on a free 127.0.0.1 port, in this process and event loop."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # uvicorn offers no started event
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "simulator did not start"
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


def ingest_env(sims: dict[str, Simulator], ingest_url: str) -> dict[str, str]:
    """Ingest pointed at the simulators, syncing every 2 s so a lost push is found quickly."""
    env = {f"INGEST_{name.upper()}_BASE_URL": sim.url for name, sim in sims.items()}
    env |= {f"INGEST_{name.upper()}_MESSAGE_URL": sims[name].url.replace("http", "ws", 1) for name in STREAMED}
    return env | {
        "INGEST_PINDUODUO_SHOP_IDS": str(MALL_ID),
        "INGEST_SHOPEE_CALLBACK_URL": f"{ingest_url}/webhooks/shopee",
        "INGEST_MINIPROGRAM_PAY_BASE_URL": sims["miniprogram"].url,
        "INGEST_MINIPROGRAM_NOTIFY_URL": f"{ingest_url}/webhooks/wechatpay",
        "INGEST_SYNC_INTERVAL_S": "2",
        # Platform modification times are whole seconds and taken before the order reaches the
        # simulator: each sync re-reads 20 s before its watermark, far more than that gap.
        "INGEST_SYNC_OVERLAP_S": "20",
        "INGEST_SYNC_LOOKBACK_S": "600",
        "INGEST_FETCH_POLL_INTERVAL_S": "0.1",
    }


def point_at_ingest(sims: dict[str, Simulator], ingest_url: str) -> None:
    sims["douyin"].state.pusher.target_url = f"{ingest_url}/webhooks/douyin"
    sims["shopee"].state.pusher.target_url = sims["shopee"].state.callback_url = f"{ingest_url}/webhooks/shopee"
    sims["miniprogram"].state.pusher.target_url = f"{ingest_url}/webhooks/wechatpay"
    sims["miniprogram"].state.ingest_url = ingest_url  # its customers order through OrderHub's API
    for name in STREAMED:
        sims[name].state.hub.redeliver_after_s = 1.0


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(orderhub_stack: StackInfo, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Intake]:
    """All five services as processes on a database and broker of their own, ingest pointed at the
    five channel simulators running in this process; the simulators then get fed (see `feed`)."""
    database = f"orderhub_e2e_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_database(orderhub_stack.admin_url, database, SERVICES, service_passwords(SERVICES))
    sut = SystemUnderTest(database_urls=urls, log_dir=tmp_path_factory.mktemp("intake-logs"))
    registry = discover()
    try:
        async with contextlib.AsyncExitStack() as running:
            sims: dict[str, Simulator] = {}
            for name in CHANNELS:
                app = registry[name].create_app()
                port = await running.enter_async_context(serve(app))
                sims[name] = Simulator(name, app.state.sim, f"http://127.0.0.1:{port}")
            ingest = sut.url("ingest")
            sut.extra_env = {**ANY_TIME_OF_DAY, **ingest_env(sims, ingest)}
            point_at_ingest(sims, ingest)
            try:
                await sut.start_broker()
                await sut.migrate()
                await sut.start_services()
                await stock_the_catalogue(sut)
                env = Intake(sut, sims)
                await feed(env)
                yield env
            finally:
                sut.shutdown()
    finally:
        await drop_database(orderhub_stack.admin_url, database)


async def stock_the_catalogue(sut: SystemUnderTest) -> None:
    """Mini-program orders are priced from fulfillment's catalogue: put the sample products there and
    wait until ingest has them (product.updated)."""
    skus = await seed_catalogue(sut.url("fulfillment"))
    async with httpx.AsyncClient(base_url=sut.url("ingest"), timeout=10.0) as client:

        async def known() -> bool:
            for sku in skus:
                response = await client.get(f"/v1/catalogue/{sku}", headers={"Authorization": "Bearer local-cs"})
                if response.status_code != 200:
                    return False
            return True

        await eventually(known, timeout_s=60)


async def send(sim: Simulator, client: httpx.AsyncClient, order: SampleOrder, event: str, i: int) -> str:
    """One order or change into its simulator, the push lost or doubled as the plan says."""
    controls = sim.controls
    controls.drop_next = int(lost(i) and sim.name in PLATFORMS)
    controls.duplicate_next = int(twice(i))
    number = await FEEDS_BY_CHANNEL[sim.name](client, order, event)
    controls.drop_next = 0
    if sim.name not in STREAMED:  # an HTTP push went out (or none did): nothing may carry over
        controls.duplicate_next = 0
    return number


def later(order: SampleOrder) -> datetime:
    """The platform's modification time of a change: now, and after the order's last one."""
    return max(datetime.now(GMT8).replace(microsecond=0), order.modified + timedelta(seconds=1))


def by_type(events: list[Envelope], event_type: str) -> list[Envelope]:
    return [e for e in events if e.type == event_type]


def placed_keys(events: list[Envelope]) -> list[Key]:
    return [(e.data["order"]["channel"], e.data["order"]["channel_order_no"]) for e in by_type(events, "order.placed")]


async def orders_topic(env: Intake, until: Callable[[list[Envelope]], bool]) -> list[Envelope]:
    events = await read_topic(env.system.bootstrap, "orders.v1", until=until, timeout_s=75.0)
    assert until(events), "orders.v1 did not get there in time; ingest log:\n" + env.system.log_tail("ingest")
    return events


async def feed(env: Intake) -> None:
    """A stream of new orders across the five channels, then, once they are out, later changes."""
    fed, rng = env.fed, random.Random(20261124)
    base_seq = int(time.time()) % 10**6 * 1000  # fresh channel order numbers on every run
    clients = {name: httpx.AsyncClient(base_url=sim.url, timeout=30.0) for name, sim in env.sims.items()}
    try:
        for i in range(PER_CHANNEL):
            for name in CHANNELS:
                order = sample_order(rng, base_seq + len(fed.orders))
                order = replace(order, paid=i not in PAID_LATER, memo="")
                number = await send(env.sims[name], clients[name], order, "created", i)
                fed.orders[(name, number)], fed.index[(name, number)] = order, i
        everything = set(fed.orders)
        events = await orders_topic(env, lambda seen: everything <= set(placed_keys(seen)))
        for e in by_type(events, "order.placed"):
            fed.order_ids[(e.data["order"]["channel"], e.data["order"]["channel_order_no"])] = e.subject
        for name in CHANNELS:
            for i in PAID_LATER:
                key = fed.of(name, i)
                fed.orders[key] = paid = replace(fed.orders[key], paid=True, modified=later(fed.orders[key]))
                await send(env.sims[name], clients[name], paid, "paid", i)
                fed.paid_later.add(key)
        for name in PLATFORMS:
            key = fed.of(name, MEMO_LATER)
            fed.orders[key] = memo = replace(fed.orders[key], memo="客户要求顺丰", modified=later(fed.orders[key]))
            await send(env.sims[name], clients[name], memo, "memo", MEMO_LATER)
            fed.memo_later.add(key)
    finally:
        for client in clients.values():
            await client.aclose()


def changed(env: Intake, events: list[Envelope]) -> bool:
    paid = {e.subject for e in by_type(events, "order.paid")}
    remarks = {e.subject for e in by_type(events, "order.remarks_changed")}
    fed = env.fed
    return {fed.order_ids[k] for k in fed.paid_later} <= paid and {fed.order_ids[k] for k in fed.memo_later} <= remarks


async def settled(env: Intake) -> list[Envelope]:
    """orders.v1 once every change is out and the message streams have nothing left unacknowledged."""
    await orders_topic(env, lambda seen: changed(env, seen))

    async def acknowledged() -> bool:
        return not any(env.sims[name].state.hub.pending for name in STREAMED)

    await eventually(acknowledged, timeout_s=30.0)
    return await orders_topic(env, lambda seen: changed(env, seen))


async def test_every_channel_order_comes_out_once_as_order_placed(intake: Intake) -> None:
    events = await settled(intake)
    placed = placed_keys(events)
    assert len(intake.fed.orders) == len(CHANNELS) * PER_CHANNEL
    for key in intake.fed.orders:
        assert placed.count(key) == 1, f"{key} placed {placed.count(key)} times"
    assert len(placed) == len(set(placed)) == len(intake.fed.orders)  # nothing else, nothing twice
    ids = [e.subject for e in by_type(events, "order.placed")]
    assert len(set(ids)) == len(ids) and all(i.startswith("DABE") for i in ids)
    for e in by_type(events, "order.placed"):
        order = CanonicalOrder.model_validate(e.data["order"])
        assert e.subject == order.order_id and order.currency == ("MYR" if order.channel == "shopee" else "CNY")


async def test_lost_and_doubled_pushes_were_really_lost_and_doubled(intake: Intake) -> None:
    lost_per_channel = sum(lost(i) for i in range(PER_CHANNEL))
    for name in STREAMED:
        assert len(intake.sims[name].state.hub.dropped) == lost_per_channel
    for name in PUSHED:
        pusher = intake.sims[name].state.pusher
        assert len(pusher.dropped) == lost_per_channel
        ids = [d["id"] for d in pusher.delivered]
        assert len(ids) > len(set(ids)), "some pushes were delivered twice"
        assert all(200 <= d["status"] < 300 for d in pusher.delivered), pusher.delivered
    notifications = intake.sims["miniprogram"].state.pusher.delivered
    assert len(notifications) > len({d["id"] for d in notifications})
    assert all(d["status"] == 204 for d in notifications), notifications
    events = await settled(intake)
    recovered = {k for k in intake.fed.orders if k[0] in PLATFORMS and lost(intake.fed.index[k])}
    assert recovered and recovered <= set(placed_keys(events))


async def test_later_payments_and_memos_are_their_own_events_once(intake: Intake) -> None:
    events = await settled(intake)
    fed = intake.fed
    placed = {e.subject: CanonicalOrder.model_validate(e.data["order"]) for e in by_type(events, "order.placed")}
    paid = [e.subject for e in by_type(events, "order.paid")]
    for key in fed.paid_later:
        order_id = fed.order_ids[key]
        assert placed[order_id].paid_at is None, f"{key} was placed unpaid"
        assert paid.count(order_id) == 1, f"{key}: order.paid {paid.count(order_id)} times"
        event = next(e for e in by_type(events, "order.paid") if e.subject == order_id)
        assert event.data["paid_total_fen"] == placed[order_id].paid_total_fen > 0
    remarks = [e for e in by_type(events, "order.remarks_changed") if e.subject in placed]
    for key in fed.memo_later:
        mine = [e for e in remarks if e.subject == fed.order_ids[key]]
        assert len(mine) == 1 and mine[0].data["seller_memo"], f"{key}: {mine}"


async def test_search_finds_each_channels_orders(intake: Intake) -> None:
    fed = intake.fed
    async with httpx.AsyncClient(base_url=intake.system.url("ingest"), timeout=10.0) as client:
        for name in CHANNELS:
            key = fed.of(name, 2)  # on the platforms, an order whose push was lost
            order = fed.orders[key]
            response = await client.get("/v1/orders/search", params={"q": f"{key[1]} {order.phone[-4:]}"}, headers=CS)
            assert response.status_code == 200, response.text
            hits = response.json()["results"]
            assert [(h["order_id"], h["channel"]) for h in hits] == [(fed.order_ids[key], name)], hits
            assert hits[0]["receiver"]["phone"].endswith(order.phone[-4:]) and order.phone not in response.text

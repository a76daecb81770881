"""The four marketplace platforms as the parametrised channel stack suite drives them: how to put a
new order on the platform (pushed to ingest), push it again, lose or repeat its next push, and what
the placed order must hold."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from channel_orders import (
    DOUYIN_SHOP,
    douyin_order,
    new_pdd_order,
    new_taobao_trade,
    platform_time,
    shopee_order,
)
from ingest_channel_stack import ChannelStack, LiveEnv, SteppedEnv, live_stack, stepped_stack
from orderhub_devstack.stack import StackInfo
from orderhub_simulators.channels.douyin.app import create_app as create_douyin
from orderhub_simulators.channels.douyin.pushes import HttpPusher
from orderhub_simulators.channels.douyin.state import DouyinState
from orderhub_simulators.channels.pinduoduo.app import create_app as create_pinduoduo
from orderhub_simulators.channels.pinduoduo.state import MALL_ID, PddState
from orderhub_simulators.channels.shopee.app import create_app as create_shopee
from orderhub_simulators.channels.shopee.state import ShopeeState
from orderhub_simulators.channels.taobao.app import create_app as create_taobao
from orderhub_simulators.channels.taobao.hub import MessageHub
from orderhub_simulators.channels.taobao.state import TaobaoState

PLATFORMS = ("douyin", "shopee", "taobao", "pinduoduo")
SHOPEE_SHOP = "200001"
TAOBAO_SHOP = "local-taobao-shop"
PDD_SHOP = str(MALL_ID)


# --- The parametrised suite's drivers -------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    name: str
    stack: ChannelStack
    place: Callable[[], Awaitable[str]]  # a new paid order on the platform, pushed; its order number
    push_again: Callable[[str], Awaitable[None]]  # the same order pushed again, unchanged
    drop_next: Callable[[], None]  # the next push is lost
    duplicate_next: Callable[[], None]  # the next push is delivered twice
    dropped: Callable[[], bool]  # the last push was lost (and nothing is waiting for redelivery)
    answered: Callable[[], bool]  # the last push was delivered and ingest took it
    modified_at: Callable[[str], float]  # epoch seconds of the order's last change on the platform
    placed: Mapping[str, object]  # what the placed order's row holds


def _pusher_controls(pusher: HttpPusher) -> tuple[Callable[[], None], Callable[[], None]]:
    """Losing and repeating the next push of a platform that pushes over HTTP."""

    def drop_next() -> None:
        pusher.controls.drop_next = 1

    def duplicate_next() -> None:
        pusher.controls.duplicate_next = 1

    return drop_next, duplicate_next


def _douyin(env: SteppedEnv[DouyinState]) -> Platform:
    sim = env.sim

    async def place() -> str:
        order = douyin_order()
        await sim.put_order(order, "create")
        return str(order["order_id"])

    async def push_again(number: str) -> None:
        again = sim.signed_push(sim.orders[number], "100")
        replay = await env.http.post("/webhooks/douyin", content=again.body, headers=again.headers)
        replayed = await env.http.post("/webhooks/douyin", content=again.body, headers=again.headers)  # same bytes
        assert replay.status_code == 200 and replayed.status_code == 200
        await sim.put_order(sim.orders[number] | {}, "paid")  # pushed again, unchanged

    return Platform(
        "douyin",
        env,
        place,
        push_again,
        *_pusher_controls(sim.pusher),
        dropped=lambda: bool(sim.pusher.dropped and sim.pusher.dropped[-1]),
        answered=lambda: sim.pusher.delivered[-1]["status"] == 200,
        modified_at=lambda number: float(sim.orders[number]["update_time"]),
        placed={
            "last_source": "push",
            "receiver_name": "张三",
            "receiver_phone": "13812345678",
            "receiver_district": "西湖区",
            "receiver_detail": "文三路 100 号",
            "paid_total_fen": 37800,
            "currency": "CNY",
        },
    )


def _shopee(env: SteppedEnv[ShopeeState]) -> Platform:
    sim = env.sim

    async def place() -> str:
        order = shopee_order()
        await sim.put_order(order)
        return str(order["order_sn"])

    async def push_again(number: str) -> None:
        again = sim.signed_push(sim.orders[number])
        replayed = [await env.http.post("/webhooks/shopee", content=again.body, headers=again.headers) for _ in "ab"]
        assert [r.status_code for r in replayed] == [204, 204]

    return Platform(
        "shopee",
        env,
        place,
        push_again,
        *_pusher_controls(sim.pusher),
        dropped=lambda: bool(sim.pusher.dropped),
        answered=lambda: sim.pusher.delivered[-1]["status"] == 204,
        modified_at=lambda number: float(sim.orders[number]["update_time"]),
        placed={
            "last_source": "push",
            "currency": "MYR",
            "paid_total_fen": 9597,
            "list_total_fen": 10011,
            "receiver_province": "Wilayah Persekutuan Kuala Lumpur",
            "receiver_street": "TTDI",
        },
    )


def _streamed(
    name: str,
    env: LiveEnv[Any],
    hub: MessageHub,
    new: Callable[[], dict[str, Any]],
    again: Callable[[dict[str, Any]], object],
    keys: tuple[str, str],
    placed: Mapping[str, object],
) -> Platform:
    """A platform whose messages ingest streams: `new` puts an order on it, `again` pushes a body
    again; `keys` name the body's order number and modification time."""
    number_key, modified_key = keys
    bodies: dict[str, dict[str, Any]] = {}

    async def place() -> str:
        body = new()
        bodies[str(body[number_key])] = body
        return str(body[number_key])

    async def push_again(number: str) -> None:
        again(dict(bodies[number]))

    def drop_next() -> None:
        hub.controls.drop_next = 1

    def duplicate_next() -> None:
        hub.controls.duplicate_next = 1

    return Platform(
        name,
        env,
        place,
        push_again,
        drop_next,
        duplicate_next,
        dropped=lambda: bool(hub.dropped) and not hub.pending,
        answered=lambda: bool(hub.acked) and not hub.pending,  # acknowledged once archived and queued
        modified_at=lambda number: platform_time(bodies[number][modified_key]),
        placed=placed,
    )


def _taobao(env: LiveEnv[TaobaoState]) -> Platform:
    sim = env.sim
    return _streamed(
        "taobao",
        env,
        sim.hub,
        lambda: new_taobao_trade(sim),
        lambda body: sim.put_trade(body, "taobao_trade_TradeChanged"),
        ("tid_str", "modified"),
        {
            "receiver_name": "张三",
            "receiver_phone": "13812345678",
            "receiver_street": "文新街道",
            "buyer_remark": "周末送货",
            "shop_id": TAOBAO_SHOP,
        },
    )


def _pinduoduo(env: LiveEnv[PddState]) -> Platform:
    sim = env.sim
    return _streamed(
        "pinduoduo",
        env,
        sim.hub,
        lambda: new_pdd_order(sim),
        lambda body: sim.put_order(body, "pdd_trade_TradeConfirmed"),
        ("order_sn", "updated_at"),
        {
            "receiver_name": "林小坤",
            "receiver_phone": "13912345678",
            "receiver_district": "潮安区",
            "receiver_detail": "彩塘镇王厝宫路8号",
            "buyer_remark": "放门口",
            "shop_id": PDD_SHOP,
        },
    )


@contextlib.asynccontextmanager
async def douyin_stack(stack: StackInfo) -> AsyncIterator[SteppedEnv[DouyinState]]:
    sim = DouyinState()
    async with stepped_stack(
        stack,
        "douyin",
        sim,
        create_douyin(sim),
        webhook="/webhooks/douyin",
        url_settings=["douyin_base_url"],
        shop=DOUYIN_SHOP,
    ) as env:
        yield env


@contextlib.asynccontextmanager
async def shopee_stack(stack: StackInfo) -> AsyncIterator[SteppedEnv[ShopeeState]]:
    sim = ShopeeState()
    async with stepped_stack(
        stack,
        "shopee",
        sim,
        create_shopee(sim),
        webhook="/webhooks/shopee",
        url_settings=["shopee_base_url"],
        shop=SHOPEE_SHOP,
    ) as env:
        yield env


@contextlib.asynccontextmanager
async def taobao_stack(stack: StackInfo) -> AsyncIterator[LiveEnv[TaobaoState]]:
    sim = TaobaoState()
    async with live_stack(stack, "taobao", sim, create_taobao(sim), shop=TAOBAO_SHOP, tag="tb") as env:
        yield env


@contextlib.asynccontextmanager
async def pinduoduo_stack(stack: StackInfo) -> AsyncIterator[LiveEnv[PddState]]:
    sim = PddState()
    async with live_stack(stack, "pinduoduo", sim, create_pinduoduo(sim), shop=PDD_SHOP, tag="pdd") as env:
        yield env


@contextlib.asynccontextmanager
async def platform(name: str, stack: StackInfo) -> AsyncIterator[Platform]:
    """The named platform's simulator next to an ingest of its own, driven as the suite expects."""
    if name == "douyin":
        async with douyin_stack(stack) as douyin:
            yield _douyin(douyin)
    elif name == "shopee":
        async with shopee_stack(stack) as shopee:
            yield _shopee(shopee)
    elif name == "taobao":
        async with taobao_stack(stack) as taobao:
            yield _taobao(taobao)
    elif name == "pinduoduo":
        async with pinduoduo_stack(stack) as pinduoduo:
            yield _pinduoduo(pinduoduo)
    else:
        raise ValueError(f"no platform {name!r}")

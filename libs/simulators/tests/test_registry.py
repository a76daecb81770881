"""The simulator registry and the order feed of `python -m orderhub_simulators --feed`."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from orderhub_simulators.__main__ import feeds_of, main
from orderhub_simulators.feed import change, sample_order, stream_orders
from orderhub_simulators.registry import discover

CHANNELS = ("douyin", "miniprogram", "pinduoduo", "shopee", "taobao")


def test_every_simulator_is_found_once_with_its_own_port() -> None:
    registry = discover()
    assert set(CHANNELS) <= set(registry) and {"aliyun-sms", "wecom"} <= set(registry)
    ports = [spec.default_port for spec in registry.values()]
    assert len(ports) == len(set(ports))
    for name, spec in registry.items():
        assert spec.name == name and spec.description
        assert isinstance(spec.create_app(), FastAPI)


def test_the_platform_channels_have_a_feed() -> None:
    registry = discover()
    assert sorted(feeds_of(registry, list(registry))) == ["douyin", "pinduoduo", "shopee", "taobao"]
    assert "miniprogram" in feeds_of(registry, list(registry), miniprogram=True)  # customers order via ingest


def test_list_prints_every_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--list"])
    printed = capsys.readouterr().out
    assert all(name in printed for name in discover())
    with pytest.raises(SystemExit):
        main(["no-such-simulator"])


def test_sample_orders_and_their_changes_are_plausible() -> None:
    rng = random.Random(1)
    order = sample_order(rng, 7)
    assert order.items and order.total_fen > 0 and len(order.phone) == 11 and order.place[0].endswith(("省", "市"))
    later, event = change(rng, order)
    assert later.modified > order.modified and later.seq == order.seq
    assert event == ("paid" if not order.paid else event) and event in ("paid", "address", "memo", "cancelled")


@pytest_asyncio.fixture
async def simulators() -> AsyncIterator[dict[str, tuple[FastAPI, httpx.AsyncClient]]]:
    """The four platform simulators in-process; the HTTP-push ones told to drop their pushes."""
    registry = discover()
    running: dict[str, tuple[FastAPI, httpx.AsyncClient]] = {}
    for name in ("taobao", "pinduoduo", "douyin", "shopee"):
        app = registry[name].create_app()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")
        if name in ("douyin", "shopee"):
            (await client.post("/_sim/push/controls", json={"drop_next": 10**6})).raise_for_status()
        running[name] = (app, client)
    yield running
    for _, client in running.values():
        await client.aclose()


async def test_the_feed_puts_orders_and_changes_into_every_platform_simulator(
    simulators: dict[str, tuple[FastAPI, httpx.AsyncClient]],
) -> None:
    lines: list[str] = []
    clients = {name: client for name, (_, client) in simulators.items()}
    delivered = await stream_orders(
        clients, feeds_of(discover(), list(clients)), rate=0, count=60, seed=3, log=lines.append
    )
    assert delivered == 60 and len(lines) == 60
    assert not [line for line in lines if "not delivered" in line]
    assert any(" created " in line for line in lines) and any(" created " not in line for line in lines)
    stored = {"taobao": simulators["taobao"][0].state.sim.trades}
    stored |= {name: simulators[name][0].state.sim.orders for name in ("pinduoduo", "douyin", "shopee")}
    assert all(stored.values()), {name: len(orders) for name, orders in stored.items()}
    assert sum(len(orders) for orders in stored.values()) < 60  # changes replace the orders they change

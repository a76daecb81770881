"""The 快递100 simulator: signed e-waybill and query calls, subscriptions, and callbacks signed
MD5(param + salt) that follow each scenario (duplicated, reordered, lost, returned)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from orderhub_simulators.providers.kuaidi100.app import DEFAULT_CUSTOMER, DEFAULT_KEY, DEFAULT_SECRET, create_app
from orderhub_simulators.testing import serve

pytestmark = pytest.mark.asyncio(loop_scope="session")
SALT = "callback-salt"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def label_form(method: str, param: dict[str, Any], *, secret: str = DEFAULT_SECRET) -> dict[str, str]:
    text, t = json.dumps(param, ensure_ascii=False), str(int(time.time() * 1000))
    return {"method": method, "key": DEFAULT_KEY, "t": t, "param": text, "sign": md5(text + t + DEFAULT_KEY + secret)}


ORDER = {
    "kuaidicom": "zhongtong",
    "partnerId": "sim-partner",
    "orderId": "OB1",
    "recMan": {"name": "张三", "mobile": "13812345678", "printAddr": "上海市浦东新区世纪大道100号"},
    "sendMan": {"name": "仓库", "mobile": "13900000000", "printAddr": "浙江省杭州市西湖区文三路1号"},
    "cargo": "商品",
}


@pytest_asyncio.fixture(loop_scope="session")
async def world() -> AsyncIterator[tuple[httpx.AsyncClient, list[dict[str, str]], str]]:
    received: list[dict[str, str]] = []
    receiver = FastAPI()

    @receiver.post("/cb")
    async def callback(request: Request) -> dict[str, Any]:
        received.append(dict(parse_qsl((await request.body()).decode())))
        return {"result": True, "returnCode": "200", "message": "成功"}

    sim = create_app()
    async with (
        serve(receiver) as port,
        httpx.AsyncClient(transport=httpx.ASGITransport(sim), base_url="http://sim") as c,
    ):
        await c.post("/_sim/config", json={"auto": False, "shares": {}})
        yield c, received, f"http://127.0.0.1:{port}/cb"


async def issue(client: httpx.AsyncClient) -> str:
    body = (await client.post("/label/order", data=label_form("order", ORDER))).json()
    assert body["success"] and body["code"] == 200, body
    number: str = body["data"]["kuaidinum"]
    return number


async def subscribe(client: httpx.AsyncClient, number: str, url: str) -> dict[str, Any]:
    param = {
        "company": "zhongtong",
        "number": number,
        "key": DEFAULT_KEY,
        "parameters": {"callbackurl": url, "salt": SALT},
    }
    body: dict[str, Any] = (await client.post("/poll", data={"schema": "json", "param": json.dumps(param)})).json()
    return body


def states(pushes: list[dict[str, str]]) -> list[str]:
    for push in pushes:
        assert push["sign"] == md5(push["param"] + SALT)
    return [json.loads(p["param"])["lastResult"]["state"] for p in pushes]


async def test_issue_checks_the_signature_and_answers_kuaidi100_codes(world: Any) -> None:
    client, _, _ = world
    assert (await issue(client)).startswith("78")
    bad = (await client.post("/label/order", data=label_form("order", ORDER, secret="wrong"))).json()
    assert bad == {"success": False, "code": 30002, "message": "签名验证失败", "data": None}
    await client.post("/_sim/faults", json={"mode": "server_error"})
    assert (await client.post("/label/order", data=label_form("order", ORDER))).json()["code"] == 500


async def test_a_normal_parcel_is_pushed_through_to_signed_and_cannot_be_cancelled(world: Any) -> None:
    client, received, url = world
    number = await issue(client)
    assert (await subscribe(client, number, url))["returnCode"] == "200"
    assert (await subscribe(client, number, url))["returnCode"] == "501"
    for _ in range(4):
        await client.post(f"/_sim/parcels/{number}/advance")
    mine = [p for p in received if json.loads(p["param"])["lastResult"]["nu"] == number]
    assert states(mine) == ["1", "0", "5", "3"]
    last = json.loads(mine[-1]["param"])
    assert last["status"] == "shutdown" and len(last["lastResult"]["data"]) == 4
    cancel = (
        await client.post("/label/order", data=label_form("cancel", {"kuaidicom": "zhongtong", "kuaidinum": number}))
    ).json()
    assert cancel["code"] == 30005


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("duplicated", ["1", "1", "0", "0", "5", "5", "3", "3"]),
        ("out_of_order", ["1", "5", "0", "3"]),
        ("lost", ["1", "0"]),
        ("returned", ["1", "0", "5", "14", "6"]),
    ],
)
async def test_scenarios_shape_the_pushes(world: Any, scenario: str, expected: list[str]) -> None:
    client, received, url = world
    number = await issue(client)
    await client.post("/_sim/scenarios", json={"scenarios": [scenario]})
    await subscribe(client, number, url)
    for _ in range(5):
        await client.post(f"/_sim/parcels/{number}/advance")
    mine = [p for p in received if json.loads(p["param"])["lastResult"]["nu"] == number]
    assert states(mine) == expected
    # The real-time query knows the whole track, pushed or not.
    param = json.dumps({"com": "zhongtong", "num": number})
    form = {"customer": DEFAULT_CUSTOMER, "param": param, "sign": md5(param + DEFAULT_KEY + DEFAULT_CUSTOMER)}
    answer = (await client.post("/poll/query.do", data=form)).json()
    assert answer["state"] == ("6" if scenario == "returned" else "3") and answer["nu"] == number


async def test_cancel_before_pickup_and_query_refusals(world: Any) -> None:
    client, _, _ = world
    number = await issue(client)
    cancel = {"kuaidicom": "zhongtong", "kuaidinum": number}
    assert (await client.post("/label/order", data=label_form("cancel", cancel))).json()["success"] is True
    param = json.dumps({"com": "zhongtong", "num": number})
    bad = (await client.post("/poll/query.do", data={"customer": DEFAULT_CUSTOMER, "param": param, "sign": "X"})).json()
    assert bad["returnCode"] == "503"

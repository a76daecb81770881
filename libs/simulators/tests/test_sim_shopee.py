"""The Shopee simulator: v2 signature and timestamp checks with Shopee's error form, detail and
list, and pushes signed over callback URL + body, with drop and duplicate controls."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from orderhub_simulators.channels.shopee.app import create_app
from orderhub_simulators.channels.shopee.state import ShopeeState

pytestmark = pytest.mark.asyncio(loop_scope="session")
KEY = "local-shopee-secret"


def query(path: str, key: str = KEY, ts: int | None = None, **extra: Any) -> dict[str, Any]:
    ts = ts or int(time.time())
    base = f"100001{path}{ts}local-shopee-token200001"
    sign = hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()
    return {
        "partner_id": 100001,
        "timestamp": ts,
        "access_token": "local-shopee-token",
        "shop_id": 200001,
        "sign": sign,
        **extra,
    }


async def get(state: ShopeeState, path: str, params: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        return await http.get(path, params=params)


ORDER = {
    "order_sn": "2411AAA",
    "order_status": "READY_TO_SHIP",
    "create_time": 1000,
    "update_time": 2000,
    "item_list": [{"item_id": 1, "model_quantity_purchased": 1, "model_original_price": 31.99}],
}
DETAIL, LIST = "/api/v2/order/get_order_detail", "/api/v2/order/get_order_list"


async def test_detail_keeps_decimal_amounts_and_list_pages_with_a_cursor() -> None:
    state = ShopeeState()
    for n in range(3):
        state.store(dict(ORDER, order_sn=f"2411A{n}", update_time=2000 + n))
    response = await get(state, DETAIL, query(DETAIL, order_sn_list="2411A0,2411A2"))
    assert response.status_code == 200 and b"31.99" in response.content
    assert [o["order_sn"] for o in response.json()["response"]["order_list"]] == ["2411A0", "2411A2"]
    first = (
        await get(state, LIST, query(LIST, time_range_field="update_time", time_from=2001, time_to=2002, page_size=1))
    ).json()["response"]
    assert first["more"] and [o["order_sn"] for o in first["order_list"]] == ["2411A1"]
    second = (
        await get(
            state,
            LIST,
            query(
                LIST,
                time_range_field="update_time",
                time_from=2001,
                time_to=2002,
                page_size=1,
                cursor=first["next_cursor"],
            ),
        )
    ).json()["response"]
    assert not second["more"] and [o["order_sn"] for o in second["order_list"]] == ["2411A2"]
    too_long = await get(
        state, LIST, query(LIST, time_range_field="update_time", time_from=0, time_to=16 * 86400, page_size=10)
    )
    assert too_long.status_code == 400 and too_long.json()["error"] == "error_param"


async def test_wrong_sign_and_stale_timestamp_get_shopees_error_form() -> None:
    state = ShopeeState()
    bad = await get(state, DETAIL, query(DETAIL, key="guess", order_sn_list="x"))
    assert bad.status_code == 403 and bad.json()["error"] == "error_sign" and bad.json()["request_id"]
    stale = await get(state, DETAIL, query(DETAIL, ts=int(time.time()) - 3600, order_sn_list="x"))
    assert stale.json()["error"] == "error_auth"
    other_path = await get(state, DETAIL, query(LIST, order_sn_list="x"))  # signed for another path
    assert other_path.json()["error"] == "error_sign"


async def test_pushes_sign_the_callback_url_and_body() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    app = FastAPI()

    @app.post("/webhooks/shopee")
    async def hook(request: Request) -> Response:
        seen.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    state = ShopeeState()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as http:
        state.pusher.http, state.pusher.target_url = http, "/webhooks/shopee"
        await state.put_order(dict(ORDER))
        state.pusher.controls.drop_next = 1
        await state.put_order(dict(ORDER, order_sn="2411BBB"))
        state.pusher.controls.duplicate_next = 1
        await state.put_order(dict(ORDER, order_sn="2411CCC"))
    headers, body = seen[0]
    url = "http://127.0.0.1:8001/webhooks/shopee"
    assert headers["authorization"] == hmac.new(KEY.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()
    push = json.loads(body)
    assert push["code"] == 3 and push["shop_id"] == 200001 and push["data"]["ordersn"] == "2411AAA"
    assert [json.loads(b)["data"]["ordersn"] for _, b in seen] == ["2411AAA", "2411CCC", "2411CCC"]
    assert state.pusher.delivered[0]["status"] == 204


async def test_generate_creates_orders_with_two_decimal_myr_amounts() -> None:
    state = ShopeeState()
    state.pusher.controls.drop_next = 10  # nobody is listening here
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        created = (await http.post("/_sim/generate", json={"count": 10, "seed": 3})).json()
        listed = await http.get(DETAIL, params=query(DETAIL, order_sn_list=",".join(created["order_sns"])))
    orders = json.loads(listed.content)["response"]["order_list"]
    assert len(orders) == 10 and all(o["currency"] == "MYR" for o in orders)
    for price in (i["model_discounted_price"] for o in orders for i in o["item_list"]):
        assert round(price, 2) == price

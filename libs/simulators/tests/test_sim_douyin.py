"""The Douyin simulator: open API signature checks and methods, and HTTP pushes with drop,
duplicate and reorder controls."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from orderhub_simulators.channels.douyin.app import create_app
from orderhub_simulators.channels.douyin.state import DouyinState

pytestmark = pytest.mark.asyncio(loop_scope="session")
KEY, SECRET, TOKEN = "local-douyin", "local-douyin-secret", "local-douyin-token"


def signed_query(method: str, params: dict[str, Any], secret: str = SECRET, **extra: str) -> tuple[dict[str, str], str]:
    pj = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ts = str(int(time.time()))
    plain = f"{secret}app_key{KEY}method{method}param_json{pj}timestamp{ts}v2{secret}"
    query = {
        "app_key": KEY,
        "method": method,
        "v": "2",
        "timestamp": ts,
        "sign_method": "md5",
        "access_token": TOKEN,
        "sign": hashlib.md5(plain.encode()).hexdigest(),
        **extra,
    }
    return query, pj


async def call(state: DouyinState, method: str, params: dict[str, Any], **kw: str) -> dict[str, Any]:
    query, pj = signed_query(method, params, **kw)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        response = await http.post(f"/{method.replace('.', '/')}", params=query, content=pj.encode())
    body: dict[str, Any] = response.json()
    return body


ORDER = {
    "order_id": "6921000000000000001",
    "order_status": 2,
    "create_time": 1771395720,
    "update_time": 1771395800,
    "post_receiver": "张三",
    "post_tel": "13812345678",
    "post_addr": {"province": {"name": "浙江省"}, "town": {"name": "西湖区"}, "detail": "文三路 100 号"},
    "sku_order_list": [{"order_id": "6921000000000000002", "item_num": 1, "goods_price": 100}],
}


async def test_detail_is_encrypted_and_batch_decrypt_returns_the_plaintext() -> None:
    state = DouyinState()
    state.store(dict(ORDER))
    body = await call(state, "order.orderDetail", {"shop_order_id": "6921000000000000001"})
    assert body["code"] == 10000
    detail = body["data"]["shop_order_detail"]
    assert "post_tel" not in detail and detail["mask_post_tel"].startswith("1")
    ciphers = [detail["encrypt_post_receiver"], detail["encrypt_post_tel"], detail["post_addr"]["encrypt_detail"]]
    decrypted = await call(
        state,
        "order.batchDecrypt",
        {
            "cipher_infos": [{"auth_id": "6921000000000000001", "cipher_text": c} for c in ciphers]
            + [{"auth_id": "x", "cipher_text": "#unknown#"}]
        },
    )
    infos = decrypted["data"]["decrypt_infos"]
    assert [i["decrypt_text"] for i in infos[:3]] == ["张三", "13812345678", "文三路 100 号"]
    assert infos[3]["err_no"] != 0


async def test_search_list_pages_by_update_time() -> None:
    state = DouyinState()
    for n in range(3):
        state.store(dict(ORDER, order_id=str(100 + n), update_time=1000 + n))
    body = await call(
        state,
        "order.searchList",
        {"update_time_start": 1001, "update_time_end": 1002, "page": 0, "size": 1, "order_asc": True},
    )
    assert body["data"]["total"] == 2 and [o["order_id"] for o in body["data"]["shop_order_list"]] == ["101"]


async def test_wrong_signature_or_token_gets_the_platform_error_form() -> None:
    state = DouyinState()
    bad = await call(state, "order.orderDetail", {"shop_order_id": "1"}, secret="guess")
    assert bad["code"] != 10000 and bad["sub_code"] == "isv.signature-invalid" and bad["data"] == {}
    expired = await call(state, "order.orderDetail", {"shop_order_id": "1"}, access_token="old")
    assert expired["code"] == 40003
    query, _ = signed_query("order.orderDetail", {"shop_order_id": "1"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url="http://sim") as http:
        tampered = (await http.post("/order/orderDetail", params=query, content=b'{"shop_order_id":"2"}')).json()
    assert tampered["sub_code"] == "isv.signature-invalid"


def receiver_app(seen: list[tuple[dict[str, str], bytes]]) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/douyin")
    async def hook(request: Request) -> dict[str, Any]:
        seen.append((dict(request.headers), await request.body()))
        return {"code": 0, "msg": "success"}

    return app


async def test_pushes_are_signed_and_can_be_dropped_duplicated_and_reordered() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    state = DouyinState()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver_app(seen)), base_url="http://ingest") as h:
        state.pusher.http, state.pusher.target_url = h, "/webhooks/douyin"
        await state.put_order(dict(ORDER, order_id="1"))
        headers, body = seen[0]
        assert headers["app-id"] == KEY
        assert headers["event-sign"] == hashlib.md5(KEY.encode() + body + SECRET.encode()).hexdigest()
        (event,) = json.loads(body)
        assert event["tag"] == "100" and json.loads(event["data"])["p_id"] == 1
        state.pusher.controls.drop_next = 1
        await state.put_order(dict(ORDER, order_id="2"))
        state.pusher.controls.duplicate_next = 1
        await state.put_order(dict(ORDER, order_id="3"))
        state.pusher.controls.reorder = True
        await state.put_order(dict(ORDER, order_id="4"))
        await state.put_order(dict(ORDER, order_id="5"), "paid")
        assert await state.pusher.flush() == 2
    ids = [json.loads(json.loads(b)[0]["data"])["p_id"] for _, b in seen]
    assert ids == [1, 3, 3, 5, 4] and len(state.pusher.dropped) == 1


async def test_generate_creates_realistic_orders_and_pushes_each() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    state = DouyinState()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver_app(seen)), base_url="http://ingest") as h:
        state.pusher.http, state.pusher.target_url = h, "/webhooks/douyin"
        sim = create_app(state)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="http://sim") as http:
            created = (await http.post("/_sim/generate", json={"count": 8, "seed": 1, "unpaid_share": 0})).json()
    assert len(created["order_ids"]) == 8 and len(seen) == 8
    for number in created["order_ids"]:
        order = state.orders[number]
        assert order["pay_amount"] == sum(s["pay_amount"] for s in order["sku_order_list"]) > 0
        assert order["encrypt_post_tel"] in state.plaintext and order["post_addr"]["town"]["name"]

"""The Taobao simulator: TOP gateway checks and methods, and the TMC WebSocket's at-least-once delivery."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from fastapi import FastAPI
from orderhub_simulators.channels.taobao.app import create_app
from orderhub_simulators.channels.taobao.state import TaobaoState


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[int]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers no started event
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


def sign(params: dict[str, str], secret: str = "local-taobao-secret") -> dict[str, str]:
    s = "".join(k + params[k] for k in sorted(params))
    return {**params, "sign": hashlib.md5((secret + s + secret).encode()).hexdigest().upper()}


def call(method: str, **extra: str) -> dict[str, str]:
    return {"method": method, "app_key": "local-taobao", "timestamp": "2026-11-24 10:00:00", "v": "2.0",
            "format": "json", "sign_method": "md5", "session": "local-taobao-session", **extra}


TRADE = {"tid": 1001, "tid_str": "1001", "status": "WAIT_SELLER_SEND_GOODS", "created": "2026-11-24 09:00:00",
         "modified": "2026-11-24 09:30:00", "oaid": "OAID1", "receiver_name": "张**"}


@pytest.fixture
def state() -> TaobaoState:
    return TaobaoState()


async def post(state: TaobaoState, params: dict[str, str]) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        response = await http.post("/router/rest", data=params)
        body: dict[str, Any] = response.json()
        return body


@pytest.mark.asyncio(loop_scope="session")
async def test_bad_signature_gets_tops_error_response(state: TaobaoState) -> None:
    params = sign(call("taobao.trade.fullinfo.get", tid="1001"))
    params["tid"] = "1002"  # tampered after signing
    body = await post(state, params)
    assert body["error_response"]["code"] == 25 and body["error_response"]["msg"] == "Invalid signature"


@pytest.mark.asyncio(loop_scope="session")
async def test_wrong_session_and_app_key_are_refused(state: TaobaoState) -> None:
    assert (await post(state, sign(call("taobao.trade.fullinfo.get", session="x"))))["error_response"]["code"] == 27
    assert (await post(state, sign(call("taobao.trade.fullinfo.get", app_key="x"))))["error_response"]["code"] == 29


@pytest.mark.asyncio(loop_scope="session")
async def test_fullinfo_increment_and_oaid_decrypt(state: TaobaoState) -> None:
    state.put_trade(dict(TRADE), "taobao_trade_TradeCreate")
    state.receivers["OAID1"] = {"name": "张三", "mobile": "13812345678"}
    body = await post(state, sign(call("taobao.trade.fullinfo.get", tid="1001", fields="tid")))
    assert body["trade_fullinfo_get_response"]["trade"]["tid"] == 1001
    missing = await post(state, sign(call("taobao.trade.fullinfo.get", tid="999")))
    assert missing["error_response"]["sub_code"] == "isv.trade-not-exist"
    listed = await post(state, sign(call("taobao.trades.sold.increment.get", start_modified="2026-11-24 09:00:00",
                                         end_modified="2026-11-24 10:00:00", page_size="1")))
    page = listed["trades_sold_increment_get_response"]
    assert [t["tid_str"] for t in page["trades"]["trade"]] == ["1001"] and page["has_next"] is False
    query = json.dumps([{"oaid": "OAID1", "tid": "1001", "scene": "1001"}])
    decrypted = await post(state, sign(call("taobao.top.oaid.decrypt", query_list=query)))
    (receiver,) = decrypted["top_oaid_decrypt_response"]["receiver_list"]["receiver"]
    assert receiver["mobile"] == "13812345678" and receiver["tid"] == "1001"


@pytest.mark.asyncio(loop_scope="session")
async def test_hmac_signed_calls_are_accepted(state: TaobaoState) -> None:
    state.put_trade(dict(TRADE), "taobao_trade_TradeCreate")
    params = call("taobao.trade.fullinfo.get", tid="1001", sign_method="hmac")
    s = "".join(k + params[k] for k in sorted(params))
    params["sign"] = hmac.new(b"local-taobao-secret", s.encode(), "md5").hexdigest().upper()
    assert "trade_fullinfo_get_response" in await post(state, params)


def connect_frame(secret: str = "local-taobao-secret") -> str:
    content = {"app_key": "local-taobao", "group_name": "default", "timestamp": str(int(time.time() * 1000))}
    return json.dumps({"type": "connect", "content": sign(content, secret)})


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_refuses_a_bad_connect_signature(state: TaobaoState) -> None:
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(connect_frame("wrong"))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connectack" and ack["statusCode"] != 0


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_redelivers_until_confirmed_and_honours_drop_and_duplicate(state: TaobaoState) -> None:
    state.hub.redeliver_after_s = 0.2
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(connect_frame())
        token = json.loads(await ws.recv())["token"]
        first = state.put_trade(dict(TRADE), "taobao_trade_TradeBuyerPay")
        got = json.loads(await asyncio.wait_for(ws.recv(), 5))["content"]
        assert got["id"] == first and got["topic"] == "taobao_trade_TradeBuyerPay"
        assert json.loads(got["content"])["tid"] == 1001
        again = json.loads(await asyncio.wait_for(ws.recv(), 5))["content"]
        assert again["id"] == first  # not confirmed: delivered again
        await ws.send(json.dumps({"type": "confirm", "token": token, "content": {"id": first}}))
        state.hub.controls.drop_next = 1
        lost = state.put_trade({**TRADE, "tid": 1002, "tid_str": "1002"}, "taobao_trade_TradeCreate")
        state.hub.controls.duplicate_next = 1
        third = state.put_trade({**TRADE, "tid": 1003, "tid_str": "1003"}, "taobao_trade_TradeCreate")
        ids = [json.loads(await asyncio.wait_for(ws.recv(), 5))["content"]["id"] for _ in range(2)]
        assert ids == [third, third]
        await ws.send(json.dumps({"type": "confirm", "token": token, "content": {"id": third}}))
        for _ in range(50):
            if not state.hub.pending:
                break
            await asyncio.sleep(0.02)
    assert state.hub.acked == [first, third] and state.hub.dropped == [lost] and not state.hub.pending

"""The Taobao simulator: TOP gateway checks and methods, and the TMC WebSocket's at-least-once delivery."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import websockets
from orderhub_simulators.channels.taobao import toplink
from orderhub_simulators.channels.taobao.app import create_app
from orderhub_simulators.channels.taobao.state import TaobaoState
from orderhub_simulators.testing import serve
from websockets.asyncio.client import ClientConnection


def sign(params: dict[str, str], secret: str = "local-taobao-secret") -> dict[str, str]:
    s = "".join(k + params[k] for k in sorted(params))
    return {**params, "sign": hashlib.md5((secret + s + secret).encode()).hexdigest().upper()}


def top_now(shift: timedelta = timedelta()) -> str:
    return (datetime.now(timezone(timedelta(hours=8))) + shift).strftime("%Y-%m-%d %H:%M:%S")


def call(method: str, **extra: str) -> dict[str, str]:
    return {
        "method": method,
        "app_key": "local-taobao",
        "timestamp": top_now(),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        "session": "local-taobao-session",
        **extra,
    }


TRADE = {
    "tid": 1001,
    "tid_str": "1001",
    "status": "WAIT_SELLER_SEND_GOODS",
    "created": "2026-11-24 09:00:00",
    "modified": "2026-11-24 09:30:00",
    "oaid": "OAID1",
    "receiver_name": "张**",
}


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
async def test_missing_signature_and_replayed_request_are_refused(state: TaobaoState) -> None:
    unsigned = call("taobao.trade.fullinfo.get", tid="1001")
    assert (await post(state, unsigned))["error_response"]["msg"] == "Missing required arguments:sign"
    replayed = sign(call("taobao.trade.fullinfo.get", tid="1001", timestamp=top_now(-timedelta(minutes=11))))
    error = (await post(state, replayed))["error_response"]
    assert (error["code"], error["msg"]) == (31, "Invalid timestamp")


@pytest.mark.asyncio(loop_scope="session")
async def test_increment_window_is_at_most_a_day(state: TaobaoState) -> None:
    body = await post(
        state,
        sign(
            call(
                "taobao.trades.sold.increment.get",
                start_modified="2026-11-22 00:00:00",
                end_modified="2026-11-24 00:00:00",
            )
        ),
    )
    assert body["error_response"]["code"] == 41


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
    listed = await post(
        state,
        sign(
            call(
                "taobao.trades.sold.increment.get",
                start_modified="2026-11-24 09:00:00",
                end_modified="2026-11-24 10:00:00",
                page_size="1",
            )
        ),
    )
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


def connect_frame(secret: str = "local-taobao-secret", age_ms: int = 0) -> bytes:
    content = {"app_key": "local-taobao", "group_name": "default", "timestamp": str(int(time.time() * 1000) - age_ms)}
    return toplink.write(toplink.CONNECT, sign(content, secret))


def confirm(token: str, message_id: int) -> bytes:
    return toplink.write(toplink.SEND, {"__kind": toplink.KIND_CONFIRM, "id": message_id}, token=token)


async def next_frame(ws: ClientConnection) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), 5)
    assert isinstance(raw, bytes)  # TMC speaks binary frames
    return toplink.read(raw)


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_refuses_a_bad_connect_signature(state: TaobaoState) -> None:
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(connect_frame("wrong"))
        ack = await next_frame(ws)
        assert ack["_type"] == toplink.CONNECTACK and ack["_status"] == 401 and ack["_phrase"] == "invalid sign"


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_refuses_a_replayed_connect_message(state: TaobaoState) -> None:
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(connect_frame(age_ms=11 * 60 * 1000))
        ack = await next_frame(ws)
        assert ack["_status"] == 401 and ack["_phrase"] == "invalid timestamp"


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_redelivers_until_confirmed_and_honours_drop_and_duplicate(state: TaobaoState) -> None:
    state.hub.redeliver_after_s = 0.2
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(connect_frame())
        ack = await next_frame(ws)
        token = ack["_token"]
        assert ack["_type"] == toplink.CONNECTACK and "_status" not in ack
        first = state.put_trade(dict(TRADE), "taobao_trade_TradeBuyerPay")
        got = await next_frame(ws)
        assert (got["_type"], got["__kind"]) == (toplink.SEND, toplink.KIND_DATA)
        assert got["id"] == first and got["topic"] == "taobao_trade_TradeBuyerPay"
        assert json.loads(got["content"])["tid"] == 1001
        again = await next_frame(ws)
        assert again["id"] == first  # not confirmed: delivered again
        await ws.send(confirm(token, first))
        state.hub.controls.drop_next = 1
        lost = state.put_trade({**TRADE, "tid": 1002, "tid_str": "1002"}, "taobao_trade_TradeCreate")
        state.hub.controls.duplicate_next = 1
        third = state.put_trade({**TRADE, "tid": 1003, "tid_str": "1003"}, "taobao_trade_TradeCreate")
        ids = [(await next_frame(ws))["id"] for _ in range(2)]
        assert ids == [third, third]
        await ws.send(confirm("not-the-token", third))  # ignored
        await ws.send(confirm(token, third))
        for _ in range(50):
            if not state.hub.pending:
                break
            await asyncio.sleep(0.02)
    assert state.hub.acked == [first, third] and state.hub.dropped == [lost] and not state.hub.pending


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_reorder_delivers_waiting_messages_newest_first(state: TaobaoState) -> None:
    state.hub.controls.reorder = True
    ids = [
        state.put_trade({**TRADE, "tid": 1100 + i, "tid_str": str(1100 + i)}, "taobao_trade_TradeChanged")
        for i in range(3)
    ]
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(connect_frame())
        assert "_token" in await next_frame(ws)
        got = [(await next_frame(ws))["id"] for _ in range(3)]
    assert got == ids[::-1]


def test_frames_round_trip_every_value_format() -> None:
    frame = toplink.write(toplink.SEND, {"__kind": 3, "id": 2**40 + 5, "topic": "淘宝", "empty": ""}, token="t")
    assert toplink.read(frame) == {
        "_type": 2,
        "_token": "t",
        "__kind": 3,
        "id": 2**40 + 5,
        "topic": "淘宝",
        "empty": "",
    }


@pytest.mark.asyncio(loop_scope="session")
async def test_generated_trades_are_stored_with_their_oaid_and_announced(state: TaobaoState) -> None:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        tids = (await http.post("/_sim/generate", json={"count": 5, "seed": 1})).json()["tids"]
    assert len(state.hub.pending) == 5 and set(tids) <= set(state.trades)
    for tid in tids:
        trade = state.trades[tid]
        assert "*" in trade["receiver_name"] and state.receivers[trade["oaid"]]["name"] != trade["receiver_name"]


def test_both_channel_simulators_are_registered() -> None:
    from orderhub_simulators.registry import discover

    found = discover()
    assert (found["taobao"].default_port, found["pinduoduo"].default_port) == (8714, 8715)


@pytest.mark.asyncio(loop_scope="session")
async def test_tmc_refuses_a_connect_message_without_a_sign(state: TaobaoState) -> None:
    content = {"app_key": "local-taobao", "group_name": "default", "timestamp": str(int(time.time() * 1000))}
    async with serve(create_app(state)) as port, websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send(toplink.write(toplink.CONNECT, content))
        ack = await next_frame(ws)
        assert (ack["_status"], ack["_phrase"]) == (401, "invalid sign") and "_token" not in ack


@pytest.mark.asyncio(loop_scope="session")
async def test_a_trade_put_over_http_keeps_its_oaid_receiver_and_is_announced(state: TaobaoState) -> None:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        body = {"trade": TRADE, "topic": "taobao_trade_TradeCreate", "receiver": {"name": "张三"}}
        message_id = (await http.post("/_sim/trades", json=body)).json()["message_id"]
        status = (await http.post("/_sim/tmc/controls", json={"drop_next": 1})).json()
    assert state.receivers["OAID1"] == {"name": "张三"} and status["pending"] == [message_id]
    assert state.hub.controls.drop_next == 1

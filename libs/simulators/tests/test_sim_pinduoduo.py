"""The Pinduoduo simulator: POP gateway checks and methods, PII encryption/decrypt.batch, and the
message WebSocket's signed path, heartbeat and ack-driven redelivery."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from orderhub_simulators.channels.pinduoduo.app import create_app
from orderhub_simulators.channels.pinduoduo.state import PddState
from orderhub_simulators.testing import serve
from websockets.exceptions import InvalidStatus


def call(type_: str, secret: str = "local-pinduoduo-secret", age_s: int = 0, **extra: str) -> dict[str, str]:
    params = {
        "type": type_,
        "client_id": "local-pinduoduo",
        "access_token": "local-pinduoduo-token",
        "timestamp": str(int(time.time()) - age_s),
        "data_type": "JSON",
        **extra,
    }
    s = "".join(k + params[k] for k in sorted(params))
    return {**params, "sign": hashlib.md5((secret + s + secret).encode()).hexdigest().upper()}


ORDER = {
    "order_sn": "261124-000000000001",
    "updated_at": "2026-11-24 10:00:00",
    "receiver_name": "林小坤",
    "receiver_phone": "13912345678",
    "receiver_address": "彩塘镇王厝宫路8号",
    "province": "广东省",
}


async def post(state: PddState, params: dict[str, str]) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        body: dict[str, Any] = (await http.post("/api/router", data=params)).json()
        return body


@pytest.mark.asyncio(loop_scope="session")
async def test_bad_signature_gets_the_pop_error_response() -> None:
    body = await post(PddState(), call("pdd.order.information.get", secret="wrong", order_sn="x"))
    assert set(body["error_response"]) >= {"error_code", "error_msg", "sub_msg", "request_id"}
    assert body["error_response"]["sub_msg"] == "sign check failed"


@pytest.mark.asyncio(loop_scope="session")
async def test_missing_signature_and_replayed_request_are_refused() -> None:
    unsigned = {k: v for k, v in call("pdd.order.information.get", order_sn="x").items() if k != "sign"}
    assert (await post(PddState(), unsigned))["error_response"]["sub_msg"] == "sign is required"
    replayed = await post(PddState(), call("pdd.order.information.get", age_s=11 * 60, order_sn="x"))
    assert replayed["error_response"]["sub_msg"] == "timestamp expired or invalid"


@pytest.mark.asyncio(loop_scope="session")
async def test_orders_are_served_encrypted_and_decrypt_batch_reveals_them() -> None:
    state = PddState()
    state.put_order(dict(ORDER), "pdd_trade_TradeConfirmed")
    info = (await post(state, call("pdd.order.information.get", order_sn=ORDER["order_sn"])))[
        "order_info_get_response"
    ]["order_info"]
    assert info["receiver_name"].startswith("~") and info["receiver_name"].endswith("~~")
    assert info["receiver_phone"].startswith("$") and info["receiver_phone_mask"] == "1*********8"
    assert info["province"] == "广东省"
    data = json.dumps(
        [{"data_tag": ORDER["order_sn"], "encrypted_data": info[f]} for f in ("receiver_name", "receiver_phone")]
    )
    out = (await post(state, call("pdd.open.decrypt.batch", data_list=data)))["open_decrypt_batch_response"]
    assert [d["decrypted_data"] for d in out["data_decrypt_list"]] == ["林小坤", "13912345678"]
    assert [d["data_type"] for d in out["data_decrypt_list"]] == [5, 6]


@pytest.mark.asyncio(loop_scope="session")
async def test_increment_lists_orders_updated_in_the_window() -> None:
    state = PddState()
    state.put_order(dict(ORDER), "pdd_trade_TradeConfirmed")
    start = 1795485600 - 60  # 2026-11-24 10:00:00 GMT+8 minus a minute
    body = await post(
        state,
        call(
            "pdd.order.number.list.increment.get",
            start_updated_at=str(start),
            end_updated_at=str(start + 120),
            page="1",
            page_size="50",
        ),
    )
    page = body["order_sn_increment_get_response"]
    assert [o["order_sn"] for o in page["order_sn_list"]] == [ORDER["order_sn"]] and not page["has_next"]
    too_wide = await post(
        state, call("pdd.order.number.list.increment.get", start_updated_at="0", end_updated_at="7200")
    )
    assert "error_response" in too_wide


def path(ts: int, secret: str = "local-pinduoduo-secret") -> str:
    digest = base64.b64encode(hashlib.md5(f"local-pinduoduo{ts}{secret}".encode()).hexdigest().encode()).decode()
    return f"/message/local-pinduoduo/{ts}/{digest.replace('=', '%3D')}"


@pytest.mark.asyncio(loop_scope="session")
async def test_message_socket_refuses_a_bad_sign() -> None:
    async with serve(create_app(PddState())) as port:
        with pytest.raises(InvalidStatus):
            async with websockets.connect(f"ws://127.0.0.1:{port}{path(int(time.time() * 1000), 'x')}"):
                pass


@pytest.mark.asyncio(loop_scope="session")
async def test_message_socket_refuses_a_replayed_path() -> None:
    async with serve(create_app(PddState())) as port:
        with pytest.raises(InvalidStatus):
            stale = int(time.time() * 1000) - 11 * 60 * 1000
            async with websockets.connect(f"ws://127.0.0.1:{port}{path(stale)}"):
                pass


@pytest.mark.asyncio(loop_scope="session")
async def test_messages_come_again_until_acked_and_heartbeats_are_answered() -> None:
    state = PddState()
    state.hub.redeliver_after_s = 0.2
    async with (
        serve(create_app(state)) as port,
        websockets.connect(f"ws://127.0.0.1:{port}{path(int(time.time() * 1000))}") as ws,
    ):
        mid = state.put_order(dict(ORDER), "pdd_trade_TradeConfirmed")
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert frame["commandType"] == "Common" and frame["id"] == mid
        assert json.loads(frame["message"]["content"])["tid"] == ORDER["order_sn"]
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["id"] == mid  # not acked: again
        await ws.send(json.dumps({"id": 1, "commandType": "HeartBeat", "time": 1}))
        await ws.send(
            json.dumps(
                {
                    "id": mid,
                    "commandType": "Ack",
                    "time": 2,
                    "sendTime": frame["sendTime"],
                    "type": frame["message"]["type"],
                    "mallID": frame["message"]["mallID"],
                }
            )
        )
        seen = set()
        for _ in range(3):
            with contextlib.suppress(TimeoutError):
                seen.add(json.loads(await asyncio.wait_for(ws.recv(), 0.5))["commandType"])
        assert "HeartBeat" in seen
    assert state.hub.acked == [mid] and not state.hub.pending


@pytest.mark.asyncio(loop_scope="session")
async def test_generated_orders_are_stored_encrypted_and_announced() -> None:
    state = PddState()
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        numbers = (await http.post("/_sim/generate", json={"count": 5, "seed": 1})).json()["order_sns"]
    assert len(state.hub.pending) == 5
    for number in numbers:
        stored = state.orders[number]
        assert stored["receiver_phone"].startswith("$") and stored["receiver_phone"] in state.plaintexts
        assert stored["receiver_name_mask"] and not stored["town"].startswith("~")


@pytest.mark.asyncio(loop_scope="session")
async def test_duplicated_and_dropped_frames() -> None:
    state = PddState()
    state.hub.controls.drop_next = 1
    lost = state.put_order(dict(ORDER), "pdd_trade_TradeConfirmed")
    state.hub.controls.duplicate_next = 1
    kept = state.put_order({**ORDER, "order_sn": "261124-000000000002"}, "pdd_trade_TradeConfirmed")
    async with (
        serve(create_app(state)) as port,
        websockets.connect(f"ws://127.0.0.1:{port}{path(int(time.time() * 1000))}") as ws,
    ):
        got = [json.loads(await asyncio.wait_for(ws.recv(), 5))["id"] for _ in range(2)]
    assert got == [kept, kept] and state.hub.dropped == [lost]


@pytest.mark.asyncio(loop_scope="session")
async def test_message_socket_refuses_a_path_without_a_sign() -> None:
    async with serve(create_app(PddState())) as port:
        with pytest.raises(InvalidStatus):
            async with websockets.connect(f"ws://127.0.0.1:{port}/message/local-pinduoduo/{int(time.time() * 1000)}/"):
                pass

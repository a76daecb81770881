"""The Taobao adapter against the Taobao simulator (no database): TOP signing accepted in md5, hmac
and hmac-sha256, refused when wrong or replayed; OAID decrypt; the increment sync; TMC messages
sealed, handed over and confirmed; forged messages refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ingest.channels.base import OrderRef, PlatformError, PushNotice, PushRejected
from ingest.channels.taobao.adapter import TaobaoAdapter
from ingest.channels.taobao.client import top_time
from ingest.channels.taobao.push import SEAL_HEADER, sealed_headers
from ingest.channels.taobao.signing import SignMethod, top_sign
from ingest.channels.taobao.tmc import connect_frame, run_tmc
from ingest.channels.taobao.toplink import CONNECT, CONNECTACK, KIND_DATA, SEND, Frame, FrameError, decode, encode
from ingest.settings import ChannelConfig, IngestSettings
from ingest_channel_stack import stream_until_acked
from orderhub_contracts.order import Channel
from orderhub_simulators.channels.taobao.app import create_app
from orderhub_simulators.channels.taobao.state import TaobaoState
from orderhub_simulators.testing import serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Sim:
    state: TaobaoState
    config: ChannelConfig
    http: httpx.AsyncClient

    def adapter(self, method: SignMethod = SignMethod.MD5, **changes: Any) -> TaobaoAdapter:
        config = replace(self.config, **changes) if changes else self.config
        return TaobaoAdapter(config, self.http, sign_method=method)


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    state = TaobaoState()
    state.hub.redeliver_after_s = 0.3
    async with serve(create_app(state)) as port, httpx.AsyncClient() as http:
        settings = IngestSettings(
            taobao_base_url=f"http://127.0.0.1:{port}", taobao_message_url=f"ws://127.0.0.1:{port}"
        )
        yield Sim(state, settings.channel("taobao"), http)


def now_text(shift: timedelta = timedelta()) -> str:
    return top_time(datetime.now(UTC) + shift)


def trade(tid: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "tid": int(tid),
        "tid_str": tid,
        "status": "WAIT_SELLER_SEND_GOODS",
        "type": "fixed",
        "created": now_text(-timedelta(minutes=5)),
        "pay_time": now_text(-timedelta(minutes=4)),
        "modified": now_text(-timedelta(minutes=4)),
        "payment": "200.07",
        "post_fee": "0.00",
        "oaid": f"OAID{tid}",
        "receiver_name": "张**",
        "receiver_mobile": "138****5678",
        "receiver_state": "河南省",
        "receiver_city": "",
        "receiver_district": "济源市",
        "receiver_town": "沁园街道",
        "receiver_address": "**",
        "buyer_message": "周末送",
        "seller_memo": "",
        "orders": {
            "order": [
                {
                    "oid": int(tid) + 1,
                    "outer_sku_id": "HUM-01",
                    "title": "加湿器",
                    "num": 1,
                    "price": "200.07",
                    "payment": "200.07",
                }
            ]
        },
    }
    body.update(overrides)
    return body


RECEIVER = {
    "name": "张三",
    "mobile": "13812345678",
    "state": "河南省",
    "city": "",
    "district": "济源市",
    "town": "沁园街道",
    "address_detail": "济水大街100号",
}


@pytest.mark.parametrize("method", list(SignMethod))
async def test_fetch_signs_every_call_and_decrypts_the_receiver(sim: Sim, method: SignMethod) -> None:
    sim.state.receivers["OAID1001"] = RECEIVER
    sim.state.put_trade(trade("1001"), "taobao_trade_TradeBuyerPay")
    order = await sim.adapter(method).fetch_order(OrderRef(Channel.TAOBAO, "shop", "1001"))
    r = order.command.receiver
    assert (r.name, r.phone, r.province, r.city, r.district, r.street, r.detail) == (
        "张三",
        "13812345678",
        "河南省",
        "济源市",
        "",
        "沁园街道",
        "济水大街100号",
    )
    assert order.command.items[0].paid_fen == 20007 and order.platform_status == "WAIT_SELLER_SEND_GOODS"


async def test_a_wrong_secret_is_refused_with_tops_error(sim: Sim) -> None:
    sim.state.put_trade(trade("1002"), "taobao_trade_TradeBuyerPay")
    with pytest.raises(PlatformError, match="code 25 Invalid signature"):
        await sim.adapter(app_secret="wrong").fetch_order(OrderRef(Channel.TAOBAO, "shop", "1002"))


async def test_a_replayed_request_is_refused(sim: Sim) -> None:
    client = sim.adapter().client
    eleven_minutes_ago = datetime.now(UTC) - timedelta(minutes=11)
    old = client.request_params("taobao.trade.fullinfo.get", {"tid": "1"}, now=eleven_minutes_ago)
    body = (await sim.http.post(f"{sim.config.base_url}/router/rest", data=old)).json()
    assert body["error_response"]["code"] == 31


async def test_an_oaid_that_no_longer_matches_is_retried_not_guessed(sim: Sim) -> None:
    sim.state.put_trade(trade("1003"), "taobao_trade_TradeBuyerPay")  # no receiver behind the OAID
    with pytest.raises(PlatformError, match="OAID not decrypted"):
        await sim.adapter().fetch_order(OrderRef(Channel.TAOBAO, "shop", "1003"))


async def test_increment_lists_trades_over_several_days_and_pages(sim: Sim) -> None:
    for i in range(3):
        sim.state.put_trade(trade(str(2000 + i), modified=now_text(-timedelta(days=i, minutes=1))), "x")
    end = datetime.now(UTC)
    refs = await sim.adapter().list_updated("shop-1", end - timedelta(days=3), end)
    assert sorted(r.channel_order_no for r in refs) == ["2000", "2001", "2002"]
    assert {r.shop_id for r in refs} == {"shop-1"}


def frame(content: Mapping[str, object], topic: str = "taobao_trade_TradeBuyerPay") -> bytes:
    """A TMC data message as the stream client hands it on: the JSON of its fields."""
    message = {"id": 7, "topic": topic, "user_id": "local-taobao-shop", "content": json.dumps(content)}
    return json.dumps(message).encode()


async def test_tmc_messages_must_carry_a_valid_seal(sim: Sim) -> None:
    adapter = sim.adapter()
    body = frame({"tid": 1001})
    (notice,) = adapter.verify_push(sealed_headers(sim.config, body, "7"), body)
    assert (notice.ref.channel_order_no, notice.ref.shop_id, notice.msg_id) == ("1001", "local-taobao-shop", "7")
    with pytest.raises(PushRejected, match="missing"):
        adapter.verify_push({}, body)
    with pytest.raises(PushRejected, match="does not match"):
        adapter.verify_push({SEAL_HEADER: sealed_headers(sim.config, b"other", "7")[SEAL_HEADER]}, body)
    other = frame({"item_id": 1}, topic="taobao_item_ItemAdd")
    assert adapter.verify_push(sealed_headers(sim.config, other, "8"), other) == []


async def test_tmc_client_hands_over_then_confirms_and_unconfirmed_messages_come_again(sim: Sim) -> None:
    adapter = sim.adapter()
    got: list[PushNotice] = []
    fail_once = [True]

    async def sink(headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        if fail_once.pop() if fail_once else False:
            raise RuntimeError("database down")  # not confirmed: TMC delivers it again
        notices = adapter.verify_push(headers, body)
        got.extend(notices)
        return notices

    first = sim.state.put_trade(trade("3001"), "taobao_trade_TradeCreate")
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(adapter.stream(sink), 5)
    await stream_until_acked(adapter, sink, sim.state.hub, first)
    assert sim.state.hub.acked == [first] and [n.ref.channel_order_no for n in got] == ["3001"]


async def test_tmc_refuses_a_client_with_the_wrong_secret(sim: Sim) -> None:
    async def sink(headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        return []

    with pytest.raises(PlatformError, match="TMC refused the connection: 401 invalid sign"):
        await run_tmc(replace(sim.config, app_secret="wrong"), sink)


async def test_generated_trades_come_through_whole(sim: Sim) -> None:
    transport = httpx.ASGITransport(app=create_app(sim.state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as control:
        tids = (await control.post("/_sim/generate", json={"count": 40, "seed": 7})).json()["tids"]
    adapter = sim.adapter(SignMethod.HMAC)
    for tid in tids:
        trade = sim.state.trades[tid]
        order = await adapter.fetch_order(OrderRef(Channel.TAOBAO, "shop", tid))
        cmd = order.command
        assert cmd.receiver.name == sim.state.receivers[trade["oaid"]]["name"] != trade["receiver_name"]
        if not trade["receiver_city"]:  # 济源 / 仙桃: province-administered, named in the district field
            assert (cmd.receiver.city, cmd.receiver.district) == (trade["receiver_district"], "")
        paid = int(Decimal(trade["payment"]) * 100) - int(Decimal(trade["post_fee"]) * 100)
        assert cmd.to_order("X").paid_total_fen == paid
        assert all(item.presale for item in cmd.items) == (trade["type"] == "step")
    cities = {sim.state.receivers[sim.state.trades[t]["oaid"]]["district"] for t in tids}
    assert "济源市" in cities


async def test_top_link_frames_round_trip() -> None:
    frame = Frame(
        SEND,
        {
            "__kind": KIND_DATA,
            "id": 2**40 + 1,
            "topic": "taobao_trade_TradeBuyerPay",
            "content": '{"tid":1}',
            "void": None,
        },
        token="tok",
    )
    assert decode(encode(frame)) == frame
    ack = Frame(CONNECTACK, status_code=401, status_phrase="invalid sign")
    assert decode(encode(ack)) == ack
    with pytest.raises(FrameError):
        decode(encode(frame)[:-5])


async def test_the_connect_frame_is_signed_like_a_top_call() -> None:
    config = IngestSettings().channel("taobao")
    connect = decode(connect_frame(config, timestamp_ms=1700000000000))
    assert connect.message_type == CONNECT
    signed = {"app_key": "local-taobao", "group_name": "default", "timestamp": "1700000000000"}
    assert connect.content["sign"] == top_sign(signed, "local-taobao-secret", SignMethod.MD5)
    assert {k: connect.content[k] for k in signed} == signed

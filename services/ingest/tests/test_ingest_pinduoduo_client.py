"""The Pinduoduo adapter against the Pinduoduo simulator (no database): POP signing accepted, refused
when wrong or replayed; ~…~ / $…$ fields decrypted through decrypt.batch; the increment sync in
30-minute windows; message frames sealed, handed over and acknowledged; forged frames refused."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ingest.channels.base import OrderRef, PlatformError, PushNotice, PushRejected
from ingest.channels.pinduoduo.adapter import PinduoduoAdapter
from ingest.channels.pinduoduo.push import SEAL_HEADER, sealed_headers
from ingest.settings import ChannelConfig, IngestSettings
from ingest_channel_stack import stream_until_acked
from ingest_pdd_orders import at, order_info
from orderhub_contracts.order import Channel
from orderhub_simulators.channels.pinduoduo.app import create_app
from orderhub_simulators.channels.pinduoduo.state import MALL_ID, PddState
from orderhub_simulators.testing import serve
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Sim:
    state: PddState
    config: ChannelConfig
    http: httpx.AsyncClient

    def adapter(self, **changes: Any) -> PinduoduoAdapter:
        return PinduoduoAdapter(replace(self.config, **changes) if changes else self.config, self.http)


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    state = PddState()
    state.hub.redeliver_after_s = 0.3
    async with serve(create_app(state)) as port, httpx.AsyncClient() as http:
        settings = IngestSettings(
            pinduoduo_base_url=f"http://127.0.0.1:{port}",
            pinduoduo_message_url=f"ws://127.0.0.1:{port}",
            pinduoduo_shop_ids=str(MALL_ID),
        )
        yield Sim(state, settings.channel("pinduoduo"), http)


def info(order_sn: str, **overrides: Any) -> dict[str, Any]:
    return order_info(order_sn, created_min=-5, paid_min=-4, **overrides)


async def test_fetch_decrypts_the_receiver_and_normalises(sim: Sim) -> None:
    sim.state.put_order(info("261125-0001"), "pdd_trade_TradeConfirmed")
    assert sim.state.orders["261125-0001"]["receiver_phone"].startswith("$")  # served encrypted
    order = await sim.adapter().fetch_order(OrderRef(Channel.PINDUODUO, "shop", "261125-0001"))
    r = order.command.receiver
    assert (r.name, r.phone, r.province, r.city, r.district, r.detail) == (
        "林小坤",
        "13912345678",
        "广东省",
        "潮州市",
        "潮安区",
        "彩塘镇王厝宫路8号",
    )
    assert order.command.items[0].paid_fen == 16800 and not order.cancelled


async def test_a_wrong_secret_is_refused_with_the_pop_error(sim: Sim) -> None:
    sim.state.put_order(info("261125-0002"), "pdd_trade_TradeConfirmed")
    with pytest.raises(PlatformError, match="10019 签名错误 sign check failed"):
        await sim.adapter(app_secret="wrong").fetch_order(OrderRef(Channel.PINDUODUO, "shop", "261125-0002"))


async def test_a_replayed_request_is_refused(sim: Sim) -> None:
    old = sim.adapter().client.request_params("pdd.order.information.get", {"order_sn": "x"}, now=time.time() - 660)
    body = (await sim.http.post(f"{sim.config.base_url}/api/router", data=old)).json()
    assert body["error_response"]["sub_msg"] == "timestamp expired or invalid"


async def test_an_undecryptable_field_means_retry_not_a_masked_order(sim: Sim) -> None:
    sim.state.put_order(info("261125-0003"), "pdd_trade_TradeConfirmed")
    sim.state.plaintexts.clear()  # e.g. the shop's daily decrypt quota is used up
    with pytest.raises(PlatformError, match="not decrypted"):
        await sim.adapter().fetch_order(OrderRef(Channel.PINDUODUO, "shop", "261125-0003"))


async def test_increment_lists_orders_in_30_minute_windows(sim: Sim) -> None:
    for i in range(3):
        sim.state.put_order(info(f"261125-01{i}", updated_at=at(-1 - 50 * i)), "x")
    end = datetime.now(UTC)
    refs = await sim.adapter().list_updated("shop-1", end - timedelta(hours=3), end)
    assert sorted(r.channel_order_no for r in refs) == ["261125-010", "261125-011", "261125-012"]


def frame(content: Mapping[str, object], kind: str = "pdd_trade_TradeConfirmed") -> bytes:
    return json.dumps(
        {
            "id": 5,
            "commandType": "Common",
            "time": 1,
            "sendTime": 1,
            "message": {"type": kind, "mallID": MALL_ID, "content": json.dumps(content)},
        }
    ).encode()


async def test_frames_must_carry_a_valid_seal(sim: Sim) -> None:
    adapter = sim.adapter()
    body = frame({"mall_id": MALL_ID, "tid": "261125-0001"})
    (notice,) = adapter.verify_push(sealed_headers(sim.config, body, "5"), body)
    assert (notice.ref.channel_order_no, notice.ref.shop_id) == ("261125-0001", str(MALL_ID))
    with pytest.raises(PushRejected, match="missing"):
        adapter.verify_push({}, body)
    with pytest.raises(PushRejected, match="does not match"):
        adapter.verify_push({SEAL_HEADER: "00" * 32}, body)
    other = frame({"mall_id": MALL_ID}, kind="pdd_chat_OrderPromise")
    assert adapter.verify_push(sealed_headers(sim.config, other, "6"), other) == []


async def test_message_client_hands_over_then_acks(sim: Sim) -> None:
    adapter = sim.adapter()
    got: list[PushNotice] = []

    async def sink(headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        notices = adapter.verify_push(headers, body)
        got.extend(notices)
        return notices

    mid = sim.state.put_order(info("261125-0004"), "pdd_trade_TradeConfirmed")
    await stream_until_acked(adapter, sink, sim.state.hub, mid)
    assert sim.state.hub.acked == [mid] and [n.ref.channel_order_no for n in got] == ["261125-0004"]


async def test_the_message_service_refuses_a_wrong_secret(sim: Sim) -> None:
    async def sink(headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        return []

    with pytest.raises(InvalidStatus):
        await sim.adapter(app_secret="wrong").stream(sink)


async def test_generated_orders_come_through_whole(sim: Sim) -> None:
    transport = httpx.ASGITransport(app=create_app(sim.state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as control:
        numbers = (await control.post("/_sim/generate", json={"count": 40, "seed": 7})).json()["order_sns"]
    adapter = sim.adapter()
    for number in numbers:
        stored = sim.state.orders[number]
        assert stored["receiver_name"].startswith("~") and stored["receiver_phone"].startswith("$")
        cmd = (await adapter.fetch_order(OrderRef(Channel.PINDUODUO, "shop", number))).command
        r = cmd.receiver
        assert r.name == sim.state.plaintexts[stored["receiver_name"]][0]
        assert r.district == stored["town"] and r.detail == sim.state.plaintexts[stored["receiver_address"]][0]
        paid = int(Decimal(stored["pay_amount"]) * 100) - int(Decimal(stored["postage"]) * 100)
        assert cmd.to_order("X").paid_total_fen == paid
        assert all(item.presale for item in cmd.items) == (stored["is_pre_sale"] == 1)

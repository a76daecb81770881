"""The 快递100 provider against the simulator (in-process): request signing, the carrier's error
codes classified retryable or not, timeouts, subscription, query and callback verification."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fulfillment.carriers import BadPush, CarrierError, Kuaidi100Provider, WaybillRequest
from fulfillment.carriers.kuaidi100 import Kuaidi100Account
from fulfillment.carriers.signing import callback_sign, label_sign, query_sign
from orderhub_contracts.address import Receiver
from orderhub_simulators.providers.kuaidi100.app import create_app

ACCOUNT = Kuaidi100Account(
    key="sim-kuaidi100-key",
    secret="sim-kuaidi100-secret",
    customer="SIMCUSTOMER",
    company="zhongtong",
    partner_id="sim-partner",
    partner_key="k",
    partner_secret="",
    partner_name="",
    net="",
    callback_url="http://127.0.0.1:1/cb",
    salt="salt",
    sender_name="仓库",
    sender_mobile="13900000000",
    sender_address="浙江省杭州市西湖区文三路1号",
)
RECEIVER = Receiver(
    name="张三",
    phone="13812345678",
    province="上海市",
    city="上海市",
    district="浦东新区",
    street="世纪大道",
    detail="100号",
)
REQUEST = WaybillRequest(outbound_id="OB1", order_id="DABE1", receiver=RECEIVER)


def test_signatures_are_upper_case_md5_of_the_concatenation() -> None:
    # MD5("abc") = 900150983cd24fb0d6963f7d28e17f72
    assert label_sign("a", "b", "c", "") == "900150983CD24FB0D6963F7D28E17F72"
    assert query_sign("ab", "c", "") == "900150983CD24FB0D6963F7D28E17F72"
    assert callback_sign("ab", "c") == "900150983CD24FB0D6963F7D28E17F72"


@pytest_asyncio.fixture(loop_scope="session")
async def sim() -> AsyncIterator[tuple[httpx.AsyncClient, Kuaidi100Provider]]:
    app = create_app()
    control = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sim")
    await control.post("/_sim/config", json={"auto": False, "shares": {}})
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sim", timeout=0.5)
    provider = Kuaidi100Provider(client, ACCOUNT, api_url="http://sim", poll_url="http://sim")
    yield control, provider
    await provider.aclose()
    await control.aclose()


async def test_issue_cancel_subscribe_and_query(sim: Any) -> None:
    control, provider = sim
    number = await provider.issue_waybill(None, REQUEST)  # type: ignore[arg-type]
    sent = (await control.get("/_sim/received")).json()["items"][-1]
    assert sent["method"] == "order" and sent["sign"] == label_sign(
        sent["param"], sent["t"], ACCOUNT.key, ACCOUNT.secret
    )
    assert json.loads(sent["param"])["recMan"]["mobile"] == "13812345678"
    assert await provider.query("zhongtong", number, "5678") is None  # no checkpoint yet
    await provider.subscribe("zhongtong", number, "5678")
    await provider.subscribe("zhongtong", number, "5678")  # 501 already subscribed: fine
    await control.post(f"/_sim/parcels/{number}/advance")
    report = await provider.query("zhongtong", number, "5678")
    assert report is not None and report.waybill_no == number and report.checkpoints[0].state == "1"
    with pytest.raises(CarrierError) as refused:
        await provider.cancel_waybill("zhongtong", number)  # picked up already
    assert refused.value.code == "30005" and not refused.value.retryable
    fresh = await provider.issue_waybill(None, REQUEST)  # type: ignore[arg-type]
    await provider.cancel_waybill("zhongtong", fresh)


@pytest.mark.parametrize(
    ("mode", "code", "retryable"), [("server_error", "500", True), ("quota_exhausted", "30006", False)]
)
async def test_label_errors_keep_their_codes(sim: Any, mode: str, code: str, retryable: bool) -> None:
    control, provider = sim
    await control.post("/_sim/faults", json={"mode": mode})
    with pytest.raises(CarrierError) as failed:
        await provider.issue_waybill(None, REQUEST)  # type: ignore[arg-type]
    assert failed.value.code == code and failed.value.retryable is retryable


async def test_a_bad_secret_is_permanent_and_a_timeout_retryable_and_ambiguous(sim: Any) -> None:
    control, _ = sim
    wrong = Kuaidi100Provider(
        httpx.AsyncClient(transport=httpx.ASGITransport(control._transport.app), base_url="http://sim"),  # type: ignore[attr-defined]
        Kuaidi100Account(**{**ACCOUNT.__dict__, "secret": "wrong"}),
        api_url="http://sim",
        poll_url="http://sim",
    )
    with pytest.raises(CarrierError) as bad:
        await wrong.issue_waybill(None, REQUEST)  # type: ignore[arg-type]
    assert bad.value.code == "30002" and not bad.value.retryable
    await wrong.aclose()

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    timing_out = Kuaidi100Provider(
        httpx.AsyncClient(transport=httpx.MockTransport(slow)), ACCOUNT, api_url="http://x", poll_url="http://x"
    )
    with pytest.raises(CarrierError) as late:
        await timing_out.subscribe("zhongtong", "78000000000001", "5678")
    assert late.value.code == "timeout" and late.value.retryable and late.value.ambiguous

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    down = Kuaidi100Provider(
        httpx.AsyncClient(transport=httpx.MockTransport(refused)), ACCOUNT, api_url="http://x", poll_url="http://x"
    )
    with pytest.raises(CarrierError) as unreachable:
        await down.issue_waybill(None, REQUEST)  # type: ignore[arg-type]
    assert unreachable.value.retryable and not unreachable.value.ambiguous


def _push(body: dict[str, Any], salt: str = "salt") -> dict[str, str]:
    param = json.dumps(body, ensure_ascii=False)
    return {"param": param, "sign": callback_sign(param, salt)}


PUSH = {
    "status": "polling",
    "lastResult": {
        "state": "5",
        "com": "zhongtong",
        "nu": "78000000000009",
        "data": [
            {"time": "2026-12-02 18:00:00", "context": "正在派件", "status": "派件"},
            {"time": "2026-12-02 09:00:00", "context": "已揽收", "status": "揽收"},
        ],
    },
}


async def test_callbacks_are_verified_good_bad_and_missing(sim: Any) -> None:
    _, provider = sim
    report = provider.read_push(_push(PUSH))
    assert report.waybill_no == "78000000000009" and [c.state for c in report.checkpoints] == ["5", "1"]
    assert report.checkpoints[0].time.utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(BadPush, match="bad_signature"):
        provider.read_push(_push(PUSH, salt="other"))
    with pytest.raises(BadPush, match="missing_signature"):
        provider.read_push({"param": json.dumps(PUSH)})
    with pytest.raises(BadPush, match="missing_param"):
        provider.read_push({})

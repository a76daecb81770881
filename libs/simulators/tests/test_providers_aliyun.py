"""The Aliyun SMS simulator checks requests like dysmsapi does: RPC signature (HMAC-SHA1, v1.0),
fresh nonce and timestamp, SendSms parameters; answers with Aliyun's codes; QuerySendDetails
finds a send by phone, date and OutId."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from orderhub_simulators.providers.aliyun_sms import create_app, expected_signature

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY_ID, SECRET = "sim-access-key-id", "sim-access-key-secret"


async def test_the_signature_matches_aliyuns_documented_example() -> None:
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert expected_signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def signed(action: str, secret: str = SECRET, when: datetime | None = None, **params: str) -> dict[str, str]:
    full = {
        **params,
        "AccessKeyId": KEY_ID,
        "Action": action,
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    return {**full, "Signature": expected_signature("POST", full, secret)}


def send_params(phone: str = "13800138000", out_id: str = "m-1", **extra: str) -> dict[str, str]:
    return {
        "PhoneNumbers": phone,
        "SignName": "订单中枢",
        "TemplateCode": "SMS_100001",
        "TemplateParam": json.dumps({"order_id": "DABE1", "waybill_no": "SF1"}),
        "OutId": out_id,
        **extra,
    }


class Sim:
    def __init__(self) -> None:
        self.app = create_app()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://sim")

    async def post(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        response = await self.http.post("/", data=form)
        return response.status_code, response.json()

    @property
    def received(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.app.state.sim.received
        return items


async def test_a_signed_send_is_accepted_and_recorded_with_its_out_id() -> None:
    sim = Sim()
    status, body = await sim.post(signed("SendSms", **send_params(phone="+8613800138000", out_id="msg-42")))
    assert (status, body["Code"]) == (200, "OK") and body["BizId"].endswith("^0")
    [sent] = sim.received
    assert (sent["phone"], sent["out_id"], sent["template_code"]) == ("13800138000", "msg-42", "SMS_100001")
    assert sent["template_param"] == {"order_id": "DABE1", "waybill_no": "SF1"}


async def test_a_wrong_signature_a_reused_nonce_and_a_stale_timestamp_are_refused() -> None:
    sim = Sim()
    status, body = await sim.post(signed("SendSms", secret="not-the-secret", **send_params()))
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    form = signed("SendSms", **send_params())
    assert (await sim.post(form))[1]["Code"] == "OK"
    assert (await sim.post(form))[1]["Code"] == "SignatureNonceUsed"
    stale = signed("SendSms", when=datetime.now(UTC) - timedelta(minutes=20), **send_params())
    assert (await sim.post(stale))[1]["Code"] == "InvalidTimeStamp.Expired"
    tampered = {**signed("SendSms", **send_params()), "PhoneNumbers": "13900139000"}
    assert (await sim.post(tampered))[1]["Code"] == "SignatureDoesNotMatch"
    assert len(sim.received) == 1


async def test_bad_parameters_get_aliyuns_codes() -> None:
    sim = Sim()
    assert (await sim.post(signed("SendSms", **send_params(phone="12345"))))[1]["Code"] == "isv.MOBILE_NUMBER_ILLEGAL"
    numbers = send_params(TemplateParam=json.dumps({"amount": 12}))
    assert (await sim.post(signed("SendSms", **numbers)))[1]["Code"] == "isv.INVALID_JSON_PARAM"
    no_sign = {k: v for k, v in send_params().items() if k != "SignName"}
    assert (await sim.post(signed("SendSms", **no_sign)))[1]["Code"] == "MissingParameter"
    assert sim.received == []


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("rate_limited", 200, "isv.BUSINESS_LIMIT_CONTROL"),
        ("illegal_number", 200, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("bad_key", 404, "InvalidAccessKeyId.NotFound"),
        ("server_error", 500, "isp.SYSTEM_ERROR"),
    ],
)
async def test_faults_on_demand_answer_with_the_real_codes_once(mode: str, status: int, code: str) -> None:
    sim = Sim()
    assert (await sim.http.post("/_sim/faults", json={"mode": mode})).status_code == 200
    answered_status, body = await sim.post(signed("SendSms", **send_params()))
    assert (answered_status, body["Code"]) == (status, code)
    assert (await sim.post(signed("SendSms", **send_params())))[1]["Code"] == "OK", "one fault, then normal"


async def test_query_send_details_finds_a_send_by_phone_date_and_out_id() -> None:
    sim = Sim()
    await sim.post(signed("SendSms", **send_params(phone="13800138000", out_id="first")))
    await sim.post(signed("SendSms", **send_params(phone="13800138000", out_id="second")))
    await sim.post(signed("SendSms", **send_params(phone="13900139000", out_id="other")))
    today = datetime.now(SHANGHAI).strftime("%Y%m%d")  # Aliyun keeps send details by Shanghai date
    query = {"PhoneNumber": "13800138000", "SendDate": today, "PageSize": "1", "CurrentPage": "2"}
    _, body = await sim.post(signed("QuerySendDetails", **query))
    assert body["Code"] == "OK" and body["TotalCount"] == 2
    [detail] = body["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (detail["OutId"], detail["PhoneNum"], detail["SendStatus"]) == ("second", "13800138000", 3)

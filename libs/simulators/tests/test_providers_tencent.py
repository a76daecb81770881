"""The Tencent Cloud SMS simulator checks the TC3-HMAC-SHA256 signature over the raw JSON body,
the credential scope and timestamp, answers `{"Response": ...}` with Tencent's codes (per number
in SendStatusSet) and serves delivery reports carrying the SessionContext."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from orderhub_simulators.providers.tencent_sms import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")
SECRET_ID, SECRET_KEY, APP_ID = "sim-secret-id", "sim-secret-key", "1400000001"
HOST = "sim"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def headers(action: str, payload: bytes, *, key: str = SECRET_KEY, stamp: int | None = None) -> dict[str, str]:
    """TC3-HMAC-SHA256 as in Tencent's API 3.0 signing guide."""
    ts = int(time.time()) if stamp is None else stamp
    day = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        ("POST", "/", "", f"content-type:{CONTENT_TYPE}\nhost:{HOST}\n", "content-type;host",
         hashlib.sha256(payload).hexdigest())
    )  # fmt: skip
    scope = f"{day}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signing = _hmac(_hmac(_hmac(f"TC3{key}".encode(), day), "sms"), "tc3_request")
    sig = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Authorization": f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders=content-type;host, "
        f"Signature={sig}",
        "Content-Type": CONTENT_TYPE,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(ts),
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": "ap-guangzhou",
    }


def send_body(phone: str = "+8613800138000", context: str = "msg-1") -> dict[str, Any]:
    return {
        "PhoneNumberSet": [phone],
        "SmsSdkAppId": APP_ID,
        "SignName": "订单中枢",
        "TemplateId": "1234567",
        "TemplateParamSet": ["DABE1", "顺丰速运", "SF1"],
        "SessionContext": context,
    }


class Sim:
    def __init__(self) -> None:
        self.app = create_app()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=f"http://{HOST}")

    async def call(self, action: str, body: dict[str, Any], **sign: Any) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode()
        response = await self.http.post("/", content=payload, headers=headers(action, payload, **sign))
        answer: dict[str, Any] = response.json()["Response"]
        return answer

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [r for r in self.app.state.sim.received if r["kind"] == "SendSms"]


async def test_a_signed_send_answers_a_send_status_per_number() -> None:
    sim = Sim()
    answer = await sim.call("SendSms", send_body(context="msg-42"))
    [status] = answer["SendStatusSet"]
    assert (status["Code"], status["PhoneNumber"], status["SessionContext"]) == ("Ok", "+8613800138000", "msg-42")
    assert status["SerialNo"] and answer["RequestId"]
    [sent] = sim.sent
    assert (sent["template_id"], sent["template_params"]) == ("1234567", ["DABE1", "顺丰速运", "SF1"])


async def test_wrong_key_expired_timestamp_and_tampered_body_are_refused() -> None:
    sim = Sim()
    assert (await sim.call("SendSms", send_body(), key="wrong"))["Error"]["Code"] == "AuthFailure.SignatureFailure"
    old = int(time.time()) - 600
    assert (await sim.call("SendSms", send_body(), stamp=old))["Error"]["Code"] == "AuthFailure.SignatureExpire"
    payload = json.dumps(send_body()).encode()
    tampered = payload.replace(b"13800138000", b"13900139000")
    response = await sim.http.post("/", content=tampered, headers=headers("SendSms", payload))
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert sim.sent == []


async def test_a_bad_number_fails_in_its_send_status_and_unknown_apps_are_refused() -> None:
    sim = Sim()
    [status] = (await sim.call("SendSms", send_body(phone="13800138000")))["SendStatusSet"]
    assert status["Code"] == "InvalidParameterValue.IncorrectPhoneNumber", "E.164 with +86 is required"
    other_app = {**send_body(), "SmsSdkAppId": "1400999999"}
    assert (await sim.call("SendSms", other_app))["Error"]["Code"] == "UnauthorizedOperation.SmsSdkAppIdVerifyFail"
    assert sim.sent == []


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("rate_limited", "LimitExceeded.DeliveryFrequencyLimit"),
        ("illegal_number", "InvalidParameterValue.IncorrectPhoneNumber"),
    ],
)
async def test_send_faults_come_back_in_the_send_status(mode: str, code: str) -> None:
    sim = Sim()
    await sim.http.post("/_sim/faults", json={"mode": mode})
    [status] = (await sim.call("SendSms", send_body()))["SendStatusSet"]
    assert status["Code"] == code
    [status] = (await sim.call("SendSms", send_body()))["SendStatusSet"]
    assert status["Code"] == "Ok"


async def test_server_errors_are_http_500_and_bad_keys_an_auth_failure() -> None:
    sim = Sim()
    await sim.http.post("/_sim/faults", json={"mode": "server_error"})
    payload = json.dumps(send_body()).encode()
    response = await sim.http.post("/", content=payload, headers=headers("SendSms", payload))
    assert response.status_code == 500 and response.json()["Response"]["Error"]["Code"] == "InternalError.OtherError"
    await sim.http.post("/_sim/faults", json={"mode": "bad_key"})
    assert (await sim.call("SendSms", send_body()))["Error"]["Code"] == "AuthFailure.SecretIdNotFound"


async def test_delivery_reports_carry_the_session_context() -> None:
    sim = Sim()
    begin = int(time.time()) - 5
    for context in ("a", "b"):
        await sim.call("SendSms", send_body(context=context))
    await sim.call("SendSms", send_body(phone="+8613900139000", context="other"))
    query = {"PhoneNumber": "+8613800138000", "SmsSdkAppId": APP_ID, "BeginTime": begin, "Offset": 1, "Limit": 10}
    [report] = (await sim.call("PullSmsSendStatusByPhoneNumber", query))["PullSmsSendStatusSet"]
    assert (report["SessionContext"], report["ReportStatus"]) == ("b", "SUCCESS")
    assert report["SerialNo"] == sim.sent[1]["serial_no"]

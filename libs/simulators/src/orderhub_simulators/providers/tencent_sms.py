"""Tencent Cloud SMS (API 3.0, 2021-01-11) simulator: `SendSms` and
`PullSmsSendStatusByPhoneNumber` on `POST /`, JSON bodies.

Checks the TC3-HMAC-SHA256 `Authorization` header like Tencent does (known SecretId, credential
scope date matching X-TC-Timestamp, timestamp within 5 minutes, content-type and host signed,
signature over the raw body), the action and version headers and SendSms' parameters, and
answers `{"Response": {...}}` with Tencent's error codes. Per-number results are in
`SendStatusSet`. Faults on demand (`POST /_sim/faults`): rate_limited →
LimitExceeded.DeliveryFrequencyLimit, illegal_number → InvalidParameterValue.IncorrectPhoneNumber,
bad_key → AuthFailure.SecretIdNotFound, server_error → HTTP 500, slow → answers late (the message
still goes out, and shows in the pulled delivery reports with its SessionContext)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from orderhub_simulators.providers.faults import SimState, control_router, maybe_slow
from orderhub_simulators.registry import SimulatorSpec

DEFAULT_SECRETS = {"sim-secret-id": "sim-secret-key"}
DEFAULT_APP_IDS = frozenset({"1400000001"})
_MAINLAND = re.compile(r"^\+86(1[3-9]\d{9})$")
_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)
_MAX_SKEW_S = 300


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def expected_signature(
    secret_key: str, *, service: str, day: str, timestamp: str, canonical_headers: str, signed: str, body: bytes
) -> str:
    """Tencent's published TC3 algorithm, written here independently of any client."""
    canonical = f"POST\n/\n\n{canonical_headers}\n{signed}\n{hashlib.sha256(body).hexdigest()}"
    scope = f"{day}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), day), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _answer(status: int = 200, **response: Any) -> JSONResponse:
    return JSONResponse({"Response": {**response, "RequestId": str(uuid.uuid4())}}, status)


def _error(code: str, message: str, status: int = 200) -> JSONResponse:
    return _answer(status, Error={"Code": code, "Message": message})


def _check_auth(request: Request, body: bytes, secrets: Mapping[str, str]) -> JSONResponse | None:
    match = _AUTH.match(request.headers.get("authorization", ""))
    if match is None:
        return _error("AuthFailure.InvalidAuthorization", "Authorization is not a TC3-HMAC-SHA256 signature.")
    timestamp = request.headers.get("x-tc-timestamp", "")
    if not timestamp.isdigit():
        return _error("MissingParameter", "The request is missing a required parameter `X-TC-Timestamp`.")
    if abs(time.time() - int(timestamp)) > _MAX_SKEW_S:
        return _error("AuthFailure.SignatureExpire", "Signature expired. Timestamp is more than 5 minutes off.")
    if match["day"] != datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d"):
        return _error("AuthFailure.InvalidAuthorization", "Credential scope date does not match X-TC-Timestamp.")
    if match["service"] != "sms":
        return _error("AuthFailure.InvalidAuthorization", "Credential scope service is not sms.")
    signed = match["headers"]
    if not {"content-type", "host"} <= set(signed.split(";")):
        return _error("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host.")
    secret = secrets.get(match["id"])
    if secret is None:
        return _error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
    canonical_headers = "".join(
        f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed.split(";")
    )
    wanted = expected_signature(
        secret,
        service="sms",
        day=match["day"],
        timestamp=timestamp,
        canonical_headers=canonical_headers,
        signed=signed,
        body=body,
    )
    if not hmac.compare_digest(wanted, match["sig"]):
        return _error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
    if request.headers.get("x-tc-version") != "2021-01-11":
        return _error("NoSuchVersion", "The requested version does not exist or is not supported.")
    return None


def create_app(secrets: Mapping[str, str] | None = None, app_ids: frozenset[str] = DEFAULT_APP_IDS) -> FastAPI:
    app = FastAPI(title="Tencent Cloud SMS simulator")
    app.state.sim = SimState()
    known = dict(secrets or DEFAULT_SECRETS)
    app.include_router(control_router())

    @app.post("/")
    async def api(request: Request) -> JSONResponse:
        raw = await request.body()
        refused = _check_auth(request, raw, known)
        if refused is not None:
            return refused
        try:
            body = json.loads(raw)
        except ValueError:
            return _error("InvalidParameter", "The request body is not JSON.")
        if not isinstance(body, dict):
            return _error("InvalidParameter", "The request body is not a JSON object.")
        if body.get("SmsSdkAppId") not in app_ids:
            return _error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify failed.")
        action = request.headers.get("x-tc-action", "")
        state: SimState = app.state.sim
        if action == "SendSms":
            fault = state.next_fault()
            if fault is not None and fault.mode == "bad_key":
                return _error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
            if fault is not None and fault.mode == "server_error":
                return _error("InternalError.OtherError", "Internal error.", 500)
            await maybe_slow(fault)
            return _send(state, body, fault.mode if fault is not None else "")
        if action == "PullSmsSendStatusByPhoneNumber":
            return _pull(state, body)
        return _error("InvalidAction", f"The action {action!r} does not exist.")

    return app


def _send(state: SimState, body: dict[str, Any], fault: str) -> JSONResponse:
    for name in ("PhoneNumberSet", "TemplateId", "SignName"):
        if not body.get(name):
            return _error("MissingParameter", f"The request is missing a required parameter `{name}`.")
    phones, params = body["PhoneNumberSet"], body.get("TemplateParamSet", [])
    if not isinstance(phones, list) or not 1 <= len(phones) <= 200:
        return _error("LimitExceeded.PhoneNumberCountLimit", "PhoneNumberSet must hold 1 to 200 numbers.")
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        return _error("InvalidParameterValue.TemplateParameterFormatError", "TemplateParamSet must be strings.")
    statuses = []
    for phone in phones:
        match = _MAINLAND.match(str(phone))
        code, message = "Ok", "send success"
        if fault == "rate_limited":
            code, message = "LimitExceeded.DeliveryFrequencyLimit", "命中频率限制策略"
        elif fault == "illegal_number" or match is None:
            code, message = "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"
        serial = f"2640:{uuid.uuid4().hex}" if code == "Ok" else ""
        statuses.append(
            {
                "SerialNo": serial,
                "PhoneNumber": str(phone),
                "Fee": 1 if code == "Ok" else 0,
                "SessionContext": str(body.get("SessionContext", "")),
                "Code": code,
                "Message": message,
                "IsoCode": "CN" if match else "",
            }
        )
        state.record(
            "SendSms" if code == "Ok" else "refused",
            phone=str(phone),
            code=code,
            sdk_app_id=body["SmsSdkAppId"],
            sign_name=body["SignName"],
            template_id=str(body["TemplateId"]),
            template_params=params,
            session_context=str(body.get("SessionContext", "")),
            serial_no=serial,
            sent_at=int(time.time()),
        )
    return _answer(SendStatusSet=statuses)


def _pull(state: SimState, body: dict[str, Any]) -> JSONResponse:
    try:
        begin, limit = int(body["BeginTime"]), int(body["Limit"])
        offset, end = int(body.get("Offset", 0)), int(body.get("EndTime", time.time() + 1))
        phone = str(body["PhoneNumber"])
    except (KeyError, TypeError, ValueError):
        return _error("InvalidParameter", "BeginTime, Limit and PhoneNumber are required integers / string.")
    if not 0 < limit <= 100:
        return _error("InvalidParameterValue", "Limit must be 1 to 100.")
    hits = [
        r for r in state.received if r["kind"] == "SendSms" and r["phone"] == phone and begin <= r["sent_at"] <= end
    ]
    reports = [
        {
            "UserReceiveTime": r["sent_at"],
            "CountryCode": "86",
            "SubscriberNumber": phone.removeprefix("+86"),
            "PhoneNumber": phone,
            "SerialNo": r["serial_no"],
            "ReportStatus": "SUCCESS",
            "Description": "DELIVRD",
            "SessionContext": r["session_context"],
        }
        for r in hits[offset : offset + limit]
    ]
    return _answer(PullSmsSendStatusSet=reports)


SIMULATOR = SimulatorSpec("tencent-sms", 9302, create_app, "Tencent Cloud SMS SendSms / PullSmsSendStatus (TC3)")

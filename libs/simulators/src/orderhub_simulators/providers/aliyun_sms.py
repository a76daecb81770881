"""Aliyun SMS (dysmsapi 2017-05-25) simulator: RPC-style `SendSms` and `QuerySendDetails`.

Checks the common parameters and the HMAC-SHA1 signature (signature version 1.0) like Aliyun
does, refuses a reused SignatureNonce or a stale Timestamp, validates SendSms' parameters, and
answers with Aliyun's error codes on demand (`POST /_sim/faults`). A "slow" fault still sends:
the caller times out on a message that went out, which QuerySendDetails (by OutId) reveals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from orderhub_simulators.providers.faults import SimState, control_router, maybe_slow
from orderhub_simulators.registry import SimulatorSpec

DEFAULT_ACCOUNTS = {"sim-access-key-id": "sim-access-key-secret"}
_SHANGHAI = timezone(timedelta(hours=8))
_MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_COMMON = ("AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version")
_FAULT_CODES = {
    "rate_limited": (200, "isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控"),
    "illegal_number": (200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    "bad_key": (404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
    "server_error": (500, "isp.SYSTEM_ERROR", "系统错误"),
}


def _encode(value: str) -> str:
    return quote(value, safe="~")


def expected_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Aliyun's published algorithm, written here independently of any client."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
    to_sign = "&".join((method.upper(), _encode("/"), _encode(canonical)))
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _answer(code: str, message: str, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper(), **extra}, status)


def create_app(accounts: Mapping[str, str] | None = None) -> FastAPI:
    app = FastAPI(title="Aliyun SMS simulator")
    app.state.sim = SimState()
    app.state.nonces = set()
    known = dict(accounts or DEFAULT_ACCOUNTS)
    app.include_router(control_router())

    @app.api_route("/", methods=["GET", "POST"])
    async def rpc(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        if request.method == "POST":
            # application/x-www-form-urlencoded, parsed here (no multipart support needed).
            params.update(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        refused = _check_common(params, request.method, known, app.state.nonces)
        if refused is not None:
            return refused
        state: SimState = app.state.sim
        if params["Action"] == "SendSms":
            fault = state.next_fault()
            if fault is not None and fault.mode in _FAULT_CODES:
                status, code, message = _FAULT_CODES[fault.mode]
                state.record("refused", code=code, params=params)
                return _answer(code, message, status)
            await maybe_slow(fault)
            return _send(state, params)
        if params["Action"] == "QuerySendDetails":
            return _query(state, params)
        return _answer("InvalidAction.NotFound", f"Specified api {params['Action']} is not found.", 404)

    return app


def _check_common(
    params: dict[str, str], method: str, known: Mapping[str, str], nonces: set[str]
) -> JSONResponse | None:
    missing = [k for k in (*_COMMON, "Signature") if not params.get(k)]
    if missing:
        return _answer("MissingParameter", f"The input parameter {missing[0]} that is mandatory is not supplied.", 400)
    if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
        return _answer("InvalidSignatureMethod", "Specified signature method is not supported.", 400)
    if params["Version"] != "2017-05-25":
        return _answer("InvalidVersion", "Specified parameter Version is not valid.", 400)
    try:
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return _answer("InvalidTimeStamp.Format", "Specified time stamp is not valid.", 400)
    if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
        return _answer("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)
    secret = known.get(params["AccessKeyId"])
    if secret is None:
        return _answer("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
    if not hmac.compare_digest(params["Signature"], expected_signature(method, params, secret)):
        return _answer("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400)
    if params["SignatureNonce"] in nonces:
        return _answer("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
    nonces.add(params["SignatureNonce"])
    return None


def _send(state: SimState, params: dict[str, str]) -> JSONResponse:
    for name in ("PhoneNumbers", "SignName", "TemplateCode"):
        if not params.get(name):
            return _answer("MissingParameter", f"The input parameter {name} that is mandatory is not supplied.", 400)
    phones = [p.strip() for p in params["PhoneNumbers"].split(",")]
    matched = [_MOBILE.match(p) for p in phones]
    if not all(matched):
        return _answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
    try:
        template_param = json.loads(params.get("TemplateParam") or "{}")
    except json.JSONDecodeError:
        return _answer("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    if not isinstance(template_param, dict) or not all(isinstance(v, str) for v in template_param.values()):
        return _answer("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    biz_id = f"{uuid.uuid4().int % 10**15:015d}^0"
    sent_at = datetime.now(_SHANGHAI)
    for match in matched:
        assert match is not None
        state.record(
            "SendSms",
            phone=match.group(1),
            sign_name=params["SignName"],
            template_code=params["TemplateCode"],
            template_param=template_param,
            out_id=params.get("OutId", ""),
            biz_id=biz_id,
            send_date=sent_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return _answer("OK", "OK", BizId=biz_id)


def _query(state: SimState, params: dict[str, str]) -> JSONResponse:
    phone, day = params.get("PhoneNumber", ""), params.get("SendDate", "")
    if not phone or not re.fullmatch(r"\d{8}", day):
        return _answer("isv.INVALID_PARAMETERS", "参数异常", 400)
    size = min(int(params.get("PageSize", "10") or 10), 50)
    page = max(int(params.get("CurrentPage", "1") or 1), 1)
    wanted = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    hits = [
        r for r in state.received if r["kind"] == "SendSms" and r["phone"] == phone and r["send_date"][:10] == wanted
    ]
    details = [
        {
            "PhoneNum": r["phone"],
            "SendStatus": 3,
            "ErrCode": "DELIVERED",
            "TemplateCode": r["template_code"],
            "Content": json.dumps(r["template_param"], ensure_ascii=False),
            "SendDate": r["send_date"],
            "ReceiveDate": r["send_date"],
            "OutId": r["out_id"],
        }
        for r in hits[(page - 1) * size : page * size]
    ]
    return _answer("OK", "OK", TotalCount=len(hits), SmsSendDetailDTOs={"SmsSendDetailDTO": details})


SIMULATOR = SimulatorSpec("aliyun-sms", 9301, create_app, "Aliyun SMS SendSms / QuerySendDetails (RPC, HMAC-SHA1)")

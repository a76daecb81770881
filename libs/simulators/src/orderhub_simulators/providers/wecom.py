"""WeCom (企业微信) simulator: group robot webhooks and application messages.

- `POST /cgi-bin/webhook/send?key=` (text with mentioned_list / mentioned_mobile_list, markdown):
  unknown key → 93000, over 20 messages a minute per robot → 45009, content over 2048 / 4096
  bytes → 45002 (text / markdown), empty content → 44004.
- `GET /cgi-bin/gettoken?corpid=&corpsecret=` → access_token valid for `token_ttl_s` (7200).
- `POST /cgi-bin/message/send?access_token=`: missing / unknown token → 41001 / 40014, expired →
  42001; unknown users come back in `invaliduser` (all unknown → 81013); `enable_duplicate_check`
  drops a repeat of the same message within `duplicate_check_interval`.
Faults on demand (`POST /_sim/faults`): rate_limited → 45009, bad_key → 93000, server_error →
HTTP 502, slow → answers late (the message is still delivered)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from orderhub_simulators.providers.faults import SimState, control_router, maybe_slow
from orderhub_simulators.registry import SimulatorSpec

DEFAULT_CORP = ("sim-corp-id", "sim-corp-secret")
ROBOT_PER_MINUTE = 20
_LIMITS = {"text": 2048, "markdown": 4096}


def _err(errcode: int, errmsg: str, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg, **extra}, status)


class _Wecom:
    def __init__(self, robot_keys: set[str] | None, users: set[str] | None, token_ttl_s: float) -> None:
        self.robot_keys = robot_keys  # None: any key is a robot
        self.users = users  # None: any user exists
        self.token_ttl_s = token_ttl_s
        self.tokens: dict[str, float] = {}
        self.robot_calls: dict[str, list[float]] = {}
        self.recent: dict[tuple[str, str], float] = {}
        self.token_requests = 0


def create_app(
    robot_keys: Iterable[str] | None = None,
    users: Iterable[str] | None = None,
    corp: tuple[str, str] = DEFAULT_CORP,
    token_ttl_s: float = 7200.0,
) -> FastAPI:
    app = FastAPI(title="WeCom simulator")
    app.state.sim = SimState()
    wecom = _Wecom(set(robot_keys) if robot_keys is not None else None, set(users) if users else None, token_ttl_s)
    app.state.wecom = wecom
    app.include_router(control_router())

    def fault_answer(state: SimState) -> tuple[JSONResponse | None, Any]:
        fault = state.next_fault()
        if fault is None or fault.mode == "slow":
            return None, fault
        if fault.mode == "rate_limited":
            return _err(45009, "api freq out of limit"), fault
        if fault.mode == "bad_key":
            return _err(93000, "invalid webhook url"), fault
        if fault.mode == "server_error":
            return JSONResponse({"errcode": -1, "errmsg": "system busy"}, 502), fault
        return _err(40003, "invalid userid"), fault  # illegal_number: an unknown receiver

    @app.post("/cgi-bin/webhook/send")
    async def webhook(request: Request, key: str = "") -> JSONResponse:
        state: SimState = app.state.sim
        if not key or (wecom.robot_keys is not None and key not in wecom.robot_keys):
            return _err(93000, "invalid webhook url, hint: key not found")
        refused, fault = fault_answer(state)
        if refused is not None:
            state.record("refused", key=key, answer=bytes(refused.body).decode())
            return refused
        now = time.monotonic()
        calls = [t for t in wecom.robot_calls.get(key, []) if now - t < 60.0]
        if len(calls) >= ROBOT_PER_MINUTE:
            return _err(45009, "api freq out of limit")
        body = await request.json()
        msgtype = body.get("msgtype") if isinstance(body, dict) else None
        if msgtype not in _LIMITS or not isinstance(body.get(msgtype), dict):
            return _err(40008, "invalid message type")
        payload = body[msgtype]
        content = payload.get("content")
        if not isinstance(content, str) or not content:
            return _err(44004, "empty content")
        if len(content.encode()) > _LIMITS[msgtype]:
            return _err(45002, "content size out of limit")
        wecom.robot_calls[key] = [*calls, now]
        await maybe_slow(fault)
        state.record(
            "webhook",
            key=key,
            msgtype=msgtype,
            content=content,
            mentioned_list=payload.get("mentioned_list", []),
            mentioned_mobile_list=payload.get("mentioned_mobile_list", []),
        )
        return _err(0, "ok")

    @app.get("/cgi-bin/gettoken")
    async def gettoken(corpid: str = "", corpsecret: str = "") -> JSONResponse:
        wecom.token_requests += 1
        if corpid != corp[0]:
            return _err(40013, "invalid corpid")
        if corpsecret != corp[1]:
            return _err(40001, "invalid credential")
        token = secrets.token_urlsafe(24)
        wecom.tokens[token] = time.monotonic() + wecom.token_ttl_s
        return _err(0, "ok", access_token=token, expires_in=int(wecom.token_ttl_s))

    @app.post("/cgi-bin/message/send")
    async def message_send(request: Request, access_token: str = "") -> JSONResponse:
        state: SimState = app.state.sim
        if not access_token:
            return _err(41001, "access_token missing")
        expiry = wecom.tokens.get(access_token)
        if expiry is None:
            return _err(40014, "invalid access_token")
        if time.monotonic() >= expiry:
            return _err(42001, "access_token expired")
        refused, fault = fault_answer(state)
        if refused is not None:
            return refused
        body = await request.json()
        if not isinstance(body, dict) or not body.get("agentid"):
            return _err(40056, "invalid agentid")
        touser = [u for u in str(body.get("touser", "")).split("|") if u]
        if not touser:
            return _err(40035, "invalid parameter: touser")
        if body.get("msgtype") not in _LIMITS:
            return _err(40008, "invalid message type")
        content = (body.get(body["msgtype"]) or {}).get("content")
        if not isinstance(content, str) or not content:
            return _err(44004, "empty content")
        if len(content.encode()) > _LIMITS[body["msgtype"]]:
            return _err(45002, "content size out of limit")
        invalid = [u for u in touser if wecom.users is not None and u not in wecom.users]
        valid = [u for u in touser if u not in invalid]
        if not valid:
            return _err(81013, "user & party & tag all invalid", invaliduser="|".join(invalid))
        await maybe_slow(fault)
        msgid = secrets.token_hex(16)
        now = time.monotonic()
        window = float(body.get("duplicate_check_interval", 1800))
        for user in valid:
            seen = wecom.recent.get((user, content))
            duplicate = bool(body.get("enable_duplicate_check")) and seen is not None and now - seen < window
            wecom.recent[(user, content)] = now
            if not duplicate:
                state.record("app_message", touser=user, agentid=body["agentid"], content=content, msgid=msgid)
        return _err(0, "ok", invaliduser="|".join(invalid), msgid=msgid)

    return app


SIMULATOR = SimulatorSpec("wecom", 9303, create_app, "WeCom group robot webhook and application messages")

"""WeCom (企业微信): group robot webhooks for `robot:<name>` targets and application messages
(`gettoken`, cached until shortly before it expires, then `message/send`) for `user:<id>`.

WeCom offers no way to ask whether a message went out, so after an ambiguous failure the
sender sends again. Application messages set `enable_duplicate_check`, so WeCom itself drops
the repeat within `duplicate_check_interval`; a robot repeat can reach the group twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from orderhub_runtime.logging import get_logger

from notify.providers.base import BAD_ROBOT_KEY, RATE_LIMITED, ProviderError, ProviderResult
from notify.providers.http import request_json
from notify.routing import WeComTarget

log = get_logger(__name__)
WECOM = "wecom"
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45033})  # system busy, API rate limit, too many concurrent calls
TOKEN_ERRCODES = frozenset({40014, 42001})  # invalid / expired access_token: fetch a new one and retry once
REASONS = {93000: BAD_ROBOT_KEY, 45009: RATE_LIMITED}
_TOKEN_MARGIN_S = 300.0
DUPLICATE_CHECK_INTERVAL_S = 1800
RobotFormat = Literal["text", "markdown"]


def _check(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict) or "errcode" not in body:
        raise ProviderError("bad_response", f"{what} answered {body!r:.200}", permanent=False)
    errcode = int(body["errcode"])
    if errcode != 0:
        code = f"wecom.{errcode}"
        raise ProviderError(
            code,
            str(body.get("errmsg", "")),
            permanent=errcode not in TRANSIENT_ERRCODES,
            reason=REASONS.get(errcode, ""),
        )
    return body


class WeComApiProvider:
    name = WECOM

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        robot_keys: Mapping[str, str],
        robot_mentions: Mapping[str, Sequence[str]],
        corp_id: str,
        robot_formats: Mapping[str, RobotFormat] | None = None,
        corp_secret: str,
        agent_id: int,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._robot_keys = dict(robot_keys)
        self._mentions = {name: list(phones) for name, phones in robot_mentions.items()}
        self._formats = dict(robot_formats or {})
        self._corp_id = corp_id
        self._corp_secret = corp_secret
        self._agent_id = agent_id
        self._token: tuple[str, float] | None = None  # (access_token, monotonic expiry)
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, target: WeComTarget, text: str, dedupe_key: str) -> ProviderResult:
        if target.kind == "robot":
            return await self._robot(target.id, text, dedupe_key)
        return await self._app_message(target.id, text)

    async def _robot(self, robot: str, text: str, dedupe_key: str) -> ProviderResult:
        key = self._robot_keys.get(robot)
        if not key:
            raise ProviderError("no_robot_key", f"no key configured for robot {robot!r}", permanent=True)
        msgtype = self._formats.get(robot, "text")
        content: dict[str, Any] = {"content": text}
        # Mentions by phone are a text-message feature; markdown has none.
        if msgtype == "text" and self._mentions.get(robot):
            content["mentioned_mobile_list"] = self._mentions[robot]
        payload = {"msgtype": msgtype, msgtype: content}
        _, body = await request_json(
            self._client, "POST", f"{self._base}/cgi-bin/webhook/send", params={"key": key}, json=payload
        )
        _check(body, "webhook/send")
        # The webhook answers no message ID: the delivery log keeps ours.
        return ProviderResult(message_id=f"robot:{dedupe_key}")

    async def _app_message(self, user: str, text: str) -> ProviderResult:
        payload = {
            "touser": user,
            "msgtype": "text",
            "agentid": self._agent_id,
            "text": {"content": text},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_INTERVAL_S,
        }
        for fresh in (False, True):
            token = await self._access_token(force=fresh)
            url = f"{self._base}/cgi-bin/message/send"
            _, body = await request_json(self._client, "POST", url, params={"access_token": token}, json=payload)
            if isinstance(body, dict) and body.get("errcode") in TOKEN_ERRCODES and not fresh:
                log.info("wecom.token_rejected", errcode=body.get("errcode"))
                continue
            answer = _check(body, "message/send")
            if user in str(answer.get("invaliduser", "")).split("|"):
                raise ProviderError("wecom.invaliduser", f"WeCom does not know user {user!r}", permanent=True)
            return ProviderResult(message_id=str(answer.get("msgid") or ""))
        raise ProviderError("wecom.token", "access token refused twice", permanent=False)

    async def _access_token(self, *, force: bool) -> str:
        async with self._token_lock:
            if self._token is not None and not force and time.monotonic() < self._token[1]:
                return self._token[0]
            params = {"corpid": self._corp_id, "corpsecret": self._corp_secret}
            _, body = await request_json(self._client, "GET", f"{self._base}/cgi-bin/gettoken", params=params)
            answer = _check(body, "gettoken")
            expires_in = float(answer.get("expires_in", 7200))
            self._token = (str(answer["access_token"]), time.monotonic() + max(expires_in - _TOKEN_MARGIN_S, 1.0))
            log.info("wecom.token_fetched", expires_in=expires_in)
            return self._token[0]

"""Aliyun SMS (dysmsapi 2017-05-25): `SendSms`, and `QuerySendDetails` to find out whether a send
whose answer we never got went out (Aliyun has no idempotency: its docs ask callers to check
before retrying). Our message ID travels as `OutId` and comes back in the send details."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
from orderhub_contracts.timezone import as_shanghai
from orderhub_runtime.logging import get_logger

from notify.providers.aliyun_sign import signed_params
from notify.providers.base import INVALID_PHONE, RATE_LIMITED, ProviderError, ProviderResult
from notify.providers.http import request_json

log = get_logger(__name__)
ALIYUN = "aliyun"
# Retried with backoff: throttling and Aliyun-side faults. Everything else refuses the message for good.
TRANSIENT_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling", "Throttling.User", "ServiceUnavailable"}
)
REASONS = {"isv.MOBILE_NUMBER_ILLEGAL": INVALID_PHONE, "isv.BUSINESS_LIMIT_CONTROL": RATE_LIMITED}
_PAGE_SIZE = 50
_MAX_PAGES = 10


class AliyunSmsProvider:
    name = ALIYUN

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_codes: Mapping[str, str],
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/"
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._codes = dict(template_codes)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        form = signed_params(action, params, access_key_id=self._key_id, access_key_secret=self._secret)
        _, body = await request_json(self._client, "POST", self._url, data=form)
        if not isinstance(body, dict):
            raise ProviderError("bad_response", f"{action} answered {body!r:.200}", permanent=False)
        code = str(body.get("Code", ""))
        if code != "OK":
            raise ProviderError(
                code or "unknown",
                str(body.get("Message", "")),
                permanent=code not in TRANSIENT_CODES,
                reason=REASONS.get(code, ""),
            )
        return body

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        body = await self._call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": self._sign_name,
                "TemplateCode": self._codes.get(template_code, template_code),
                # Aliyun accepts string values only (isv.INVALID_JSON_PARAM otherwise).
                "TemplateParam": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False),
                "OutId": out_id,
            },
        )
        return ProviderResult(message_id=str(body.get("BizId", "")))

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        """Send details are kept per phone and Shanghai send date; look on each date since `since`."""
        first = as_shanghai(since).date()
        today = as_shanghai(datetime.now(tz=since.tzinfo)).date()
        day = first
        while day <= today:
            for page in range(1, _MAX_PAGES + 1):
                body = await self._call(
                    "QuerySendDetails",
                    {
                        "PhoneNumber": phone,
                        "SendDate": day.strftime("%Y%m%d"),
                        "PageSize": str(_PAGE_SIZE),
                        "CurrentPage": str(page),
                    },
                )
                details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
                for detail in details:
                    if detail.get("OutId") == out_id:
                        # The details carry no BizId; the OutId is the link back to the send.
                        return ProviderResult(message_id=str(detail.get("BizId") or f"OutId:{out_id}"))
                if page * _PAGE_SIZE >= int(body.get("TotalCount", 0)):
                    break
            day += timedelta(days=1)
        return None

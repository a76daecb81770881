"""Tencent Cloud SMS (API 3.0, version 2021-01-11): `SendSms`, and
`PullSmsSendStatusByPhoneNumber` to find out whether a send whose answer we never got went out.
Requests are JSON, signed with TC3-HMAC-SHA256 (`tencent_sign`). Our message ID travels as
`SessionContext`, which Tencent echoes in the send status and in the delivery reports.

Tencent templates number their variables ({1}, {2}, ...): `param_order` lists our variable
names in the order of the approved template's placeholders."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from orderhub_runtime.logging import get_logger

from notify.providers.base import INVALID_PHONE, RATE_LIMITED, ProviderError, ProviderResult
from notify.providers.http import request_json
from notify.providers.tencent_sign import signed_headers

log = get_logger(__name__)
TENCENT = "tencent"
# Retried with backoff: Tencent-side faults and the short frequency windows. The daily caps, a bad
# number, an unapproved sign or template, a blacklisted number refuse the message for good.
TRANSIENT_CODES = frozenset(
    {
        "InternalError.OtherError",
        "InternalError.RequestTimeException",
        "InternalError.RestApiInterfaceNotExist",
        "InternalError.SendAndRecvFail",
        "InternalError.SigFieldMissing",
        "InternalError.SigVerificationFail",
        "InternalError.UnknownError",
        "RequestLimitExceeded",
        "LimitExceeded.DeliveryFrequencyLimit",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "ResourceUnavailable",
    }
)
# Tencent's own timeout: the message may or may not have gone out.
AMBIGUOUS_CODES = frozenset({"InternalError.Timeout"})
REASONS = {
    "InvalidParameterValue.IncorrectPhoneNumber": INVALID_PHONE,
    "LimitExceeded.DeliveryFrequencyLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberThirtySecondLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberOneHourLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberDailyLimit": RATE_LIMITED,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": RATE_LIMITED,
}
_PAGE = 100
_MAX_PAGES = 10
# Delivery reports carry the carrier's receive time; look a little before our first attempt.
_LOOKBACK_S = 60


def _error(code: str, message: str) -> ProviderError:
    return ProviderError(
        code,
        message,
        permanent=code not in TRANSIENT_CODES and code not in AMBIGUOUS_CODES,
        ambiguous=code in AMBIGUOUS_CODES,
        reason=REASONS.get(code, ""),
    )


def e164(phone: str) -> str:
    """Mainland numbers as Tencent wants them: +86 and the 11 digits."""
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsProvider:
    name = TENCENT

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        region: str,
        sign_name: str,
        template_ids: Mapping[str, str],
        param_order: Mapping[str, Sequence[str]],
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/"
        self._host = urlsplit(self._url).netloc
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._app_id = sdk_app_id
        self._region = region
        self._sign_name = sign_name
        self._ids = dict(template_ids)
        self._order = {code: list(names) for code, names in param_order.items()}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, action: str, body: Mapping[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = signed_headers(
            action=action,
            payload=payload,
            host=self._host,
            secret_id=self._secret_id,
            secret_key=self._secret_key,
            region=self._region,
        )
        _, answer = await request_json(self._client, "POST", self._url, content=payload, headers=headers)
        response = answer.get("Response") if isinstance(answer, dict) else None
        if not isinstance(response, dict):
            raise ProviderError("bad_response", f"{action} answered {answer!r:.200}", permanent=False)
        error = response.get("Error")
        if isinstance(error, dict):
            raise _error(str(error.get("Code", "unknown")), str(error.get("Message", "")))
        return response

    def template_params(self, template_code: str, params: Mapping[str, str]) -> list[str]:
        order = self._order.get(template_code, sorted(params))
        missing = [name for name in order if name not in params]
        if missing:
            raise ProviderError(
                "template_params", f"{template_code} needs {', '.join(missing)} for Tencent", permanent=True
            )
        return [str(params[name]) for name in order]

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        response = await self._call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": self._app_id,
                "SignName": self._sign_name,
                "TemplateId": self._ids.get(template_code, template_code),
                "TemplateParamSet": self.template_params(template_code, params),
                "SessionContext": out_id,
            },
        )
        statuses = response.get("SendStatusSet") or []
        if len(statuses) != 1 or not isinstance(statuses[0], dict):
            raise ProviderError("bad_response", f"SendSms answered {statuses!r:.200}", permanent=False, ambiguous=True)
        status = statuses[0]
        code = str(status.get("Code", ""))
        if code != "Ok":
            raise _error(code or "unknown", str(status.get("Message", "")))
        return ProviderResult(message_id=str(status.get("SerialNo", "")))

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        """Tencent's delivery reports for the number since `since`, matched on SessionContext."""
        begin = int(since.astimezone(UTC).timestamp()) - _LOOKBACK_S
        end = int(datetime.now(UTC).timestamp()) + _LOOKBACK_S
        for page in range(_MAX_PAGES):
            response = await self._call(
                "PullSmsSendStatusByPhoneNumber",
                {
                    "BeginTime": begin,
                    "EndTime": end,
                    "Offset": page * _PAGE,
                    "Limit": _PAGE,
                    "PhoneNumber": e164(phone),
                    "SmsSdkAppId": self._app_id,
                },
            )
            reports = response.get("PullSmsSendStatusSet") or []
            for report in reports:
                if isinstance(report, dict) and report.get("SessionContext") == out_id:
                    return ProviderResult(message_id=str(report.get("SerialNo", "")))
            if len(reports) < _PAGE:
                break
        return None

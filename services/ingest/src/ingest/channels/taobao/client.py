"""The TOP gateway client: every call signed (md5, hmac or hmac-sha256), JSON format, the seller's
`session`; an `error_response` is a PlatformError."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from orderhub_contracts.timezone import SHANGHAI

from ingest.channels.base import PlatformError
from ingest.channels.gateway import post_for_json
from ingest.channels.taobao.fields import listed
from ingest.channels.taobao.signing import SignMethod, signed
from ingest.settings import ChannelConfig

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Only what normalising needs (TOP asks callers to request just the fields they use).
TRADE_FIELDS = ",".join(
    (
        "tid",
        "tid_str",
        "status",
        "type",
        "created",
        "modified",
        "pay_time",
        "payment",
        "post_fee",
        "total_fee",
        "discount_fee",
        "adjust_fee",
        "coupon_fee",
        "buyer_message",
        "seller_memo",
        "seller_flag",
        "oaid",
        "receiver_name",
        "receiver_mobile",
        "receiver_phone",
        "receiver_state",
        "receiver_city",
        "receiver_district",
        "receiver_town",
        "receiver_address",
        "receiver_zip",
        "step_trade_status",
        "step_paid_fee",
        "new_presell",
        "est_con_time",
        "orders",
    )
)
OAID_BATCH = 20  # taobao.top.oaid.decrypt takes at most 20 queries per call
INCREMENT_PAGE = 100
INCREMENT_SPAN = timedelta(days=1)  # one increment call covers at most one day


def top_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(TIME_FORMAT)


class TopClient:
    def __init__(
        self, config: ChannelConfig, http: httpx.AsyncClient, *, sign_method: SignMethod = SignMethod.MD5
    ) -> None:
        self.config = config
        self.http = http
        self.sign_method = sign_method

    def request_params(self, method: str, params: Mapping[str, str], *, now: datetime | None = None) -> dict[str, str]:
        system = {
            "method": method,
            "app_key": self.config.app_key,
            "session": self.config.access_token,
            "timestamp": top_time(now or datetime.now(UTC)),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method.value,
        }
        return signed({**system, **params}, self.config.app_secret)

    async def call(self, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        url = f"{self.config.base_url}/router/rest"
        payload = await post_for_json(self.http, f"taobao {method}", url, data=self.request_params(method, params))
        error = payload.get("error_response")
        if error is not None:
            raise PlatformError(
                f"taobao {method}: code {error.get('code')} {error.get('msg', '')} "
                f"{error.get('sub_code', '')} {error.get('sub_msg', '')}".strip()
            )
        body: dict[str, Any] = payload[method.removeprefix("taobao.").replace(".", "_") + "_response"]
        return body

    async def trade_fullinfo(self, tid: str) -> dict[str, Any]:
        body = await self.call(
            "taobao.trade.fullinfo.get", {"tid": tid, "fields": TRADE_FIELDS, "include_oaid": "true"}
        )
        trade: dict[str, Any] = body["trade"]
        return trade

    async def oaid_decrypt(self, queries: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """Plaintext receivers by OAID for (tid, oaid) pairs; ones the platform did not match are left out."""
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(queries), OAID_BATCH):
            chunk = [{"tid": tid, "oaid": oaid, "scene": "1001"} for tid, oaid in queries[i : i + OAID_BATCH]]
            body = await self.call("taobao.top.oaid.decrypt", {"query_list": json.dumps(chunk, separators=(",", ":"))})
            for receiver in listed(body.get("receiver_list"), "receiver"):
                if receiver.get("matched", True) in (True, "true"):
                    found[str(receiver.get("oaid"))] = receiver
        return found

    async def increment(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Trades modified in [start, end], all pages, in windows of at most a day."""
        trades: list[dict[str, Any]] = []
        window_start = start
        while window_start < end:
            window_end = min(window_start + INCREMENT_SPAN, end)
            page = 1
            while True:
                body = await self.call(
                    "taobao.trades.sold.increment.get",
                    {
                        "fields": "tid,tid_str,modified,status",
                        "start_modified": top_time(window_start),
                        "end_modified": top_time(window_end),
                        "page_no": str(page),
                        "page_size": str(INCREMENT_PAGE),
                        "use_has_next": "true",
                    },
                )
                trades += listed(body.get("trades"), "trade")
                if not body.get("has_next"):
                    break
                page += 1
            window_start = window_end
        return trades

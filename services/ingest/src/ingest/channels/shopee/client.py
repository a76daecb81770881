"""The Shopee Open Platform v2 client: signed GETs under /api/v2; a non-empty `error` means failure."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from ingest.channels.base import PlatformError
from ingest.channels.convert import loads_exact
from ingest.channels.shopee.signing import api_sign
from ingest.settings import ChannelConfig

DETAIL_BATCH = 50  # get_order_detail takes 1..50 order_sn
DETAIL_FIELDS = ",".join(
    (
        "buyer_user_id",
        "buyer_username",
        "recipient_address",
        "note",
        "note_update_time",
        "item_list",
        "pay_time",
        "total_amount",
        "estimated_shipping_fee",
        "actual_shipping_fee",
        "payment_method",
        "shipping_carrier",
        "buyer_cancel_reason",
        "cancel_by",
        "cancel_reason",
        "fulfillment_flag",
    )
)


class ShopeeClient:
    def __init__(self, config: ChannelConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http

    async def call(self, path: str, params: Mapping[str, str | int]) -> dict[str, Any]:
        partner_id, shop_id = self.config.options["partner_id"], self.config.options["shop_id"]
        timestamp = str(int(time.time()))
        query: dict[str, str | int] = {
            "partner_id": partner_id,
            "timestamp": timestamp,
            "access_token": self.config.access_token,
            "shop_id": shop_id,
            "sign": api_sign(
                partner_id=partner_id,
                path=path,
                timestamp=timestamp,
                access_token=self.config.access_token,
                shop_id=shop_id,
                partner_key=self.config.app_secret,
            ),
            **params,
        }
        try:
            response = await self.http.get(f"{self.config.base_url}{path}", params=query)
        except httpx.HTTPError as exc:
            raise PlatformError(f"shopee {path}: {type(exc).__name__}: {exc}") from exc
        try:
            payload = loads_exact(response.content)
        except ValueError as exc:
            raise PlatformError(f"shopee {path}: HTTP {response.status_code}, body is not JSON") from exc
        if response.status_code != 200 or payload.get("error"):
            raise PlatformError(
                f"shopee {path}: HTTP {response.status_code} {payload.get('error', '')} "
                f"{payload.get('message', '')}".strip()
            )
        data: dict[str, Any] = payload.get("response") or {}
        return data

    async def order_detail(self, order_sn: str) -> dict[str, Any]:
        data = await self.call(
            "/api/v2/order/get_order_detail", {"order_sn_list": order_sn, "response_optional_fields": DETAIL_FIELDS}
        )
        for order in data.get("order_list") or []:
            if str(order.get("order_sn")) == order_sn:
                found: dict[str, Any] = order
                return found
        raise PlatformError(f"shopee order {order_sn} not in get_order_detail response")

    async def order_list(self, time_from: int, time_to: int, cursor: str, page_size: int) -> tuple[list[str], str]:
        """One page of order_sn updated in [time_from, time_to]; the next cursor, '' when done."""
        data = await self.call(
            "/api/v2/order/get_order_list",
            {
                "time_range_field": "update_time",
                "time_from": time_from,
                "time_to": time_to,
                "page_size": page_size,
                "cursor": cursor,
            },
        )
        numbers = [str(o["order_sn"]) for o in data.get("order_list") or []]
        return numbers, str(data.get("next_cursor") or "") if data.get("more") else ""

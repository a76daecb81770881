"""The Douyin shop open API client: signed POSTs of param_json, `code` 10000 means success."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from ingest.channels.base import PlatformError
from ingest.channels.douyin.signing import API_VERSION, api_sign, param_json
from ingest.channels.gateway import post_for_json
from ingest.settings import ChannelConfig

SUCCESS = 10000
DECRYPT_BATCH = 50  # order.batchDecrypt takes at most 50 ciphertexts per call


class DouyinClient:
    def __init__(self, config: ChannelConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http

    async def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        body = param_json(params)
        timestamp = str(int(time.time()))
        query = {
            "app_key": self.config.app_key,
            "method": method,
            "v": API_VERSION,
            "timestamp": timestamp,
            "sign_method": "md5",
            "access_token": self.config.access_token,
            "sign": api_sign(
                app_key=self.config.app_key,
                app_secret=self.config.app_secret,
                method=method,
                params_json=body,
                timestamp=timestamp,
            ),
        }
        url = f"{self.config.base_url}/{method.replace('.', '/')}"
        payload = await post_for_json(
            self.http,
            f"douyin {method}",
            url,
            params=query,
            content=body.encode(),
            headers={"content-type": "application/json"},
        )
        if payload.get("code") != SUCCESS:
            raise PlatformError(
                f"douyin {method}: code {payload.get('code')} {payload.get('msg', '')}"
                f" {payload.get('sub_code', '')} {payload.get('sub_msg', '')}".strip()
            )
        data: dict[str, Any] = payload.get("data") or {}
        return data

    async def order_detail(self, shop_order_id: str) -> dict[str, Any]:
        data = await self.call("order.orderDetail", {"shop_order_id": shop_order_id})
        detail: dict[str, Any] = data["shop_order_detail"]
        return detail

    async def search_list(self, start: int, end: int, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
        data = await self.call(
            "order.searchList",
            {
                "update_time_start": start,
                "update_time_end": end,
                "page": page,
                "size": size,
                "order_by": "update_time",
                "order_asc": True,
            },
        )
        return list(data.get("shop_order_list") or []), int(data.get("total") or 0)

    async def batch_decrypt(self, auth_id: str, ciphers: list[str]) -> dict[str, str]:
        """Plain text by cipher text; ciphertexts the platform could not decrypt are left out."""
        plain: dict[str, str] = {}
        for i in range(0, len(ciphers), DECRYPT_BATCH):
            chunk = ciphers[i : i + DECRYPT_BATCH]
            data = await self.call(
                "order.batchDecrypt",
                {
                    "cipher_infos": [{"auth_id": auth_id, "cipher_text": c} for c in chunk],
                },
            )
            for info in data.get("decrypt_infos") or []:
                if not info.get("err_no") and info.get("decrypt_text") is not None:
                    plain[str(info["cipher_text"])] = str(info["decrypt_text"])
        return plain

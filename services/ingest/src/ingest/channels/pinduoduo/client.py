"""The POP gateway client (`POST /api/router`): every call signed, the mall's access_token; an
`error_response` is a PlatformError."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from ingest.channels.base import PlatformError
from ingest.channels.gateway import post_for_json
from ingest.channels.pinduoduo.signing import signed
from ingest.settings import ChannelConfig

DECRYPT_BATCH = 100  # pdd.open.decrypt.batch takes at most 100 entries per call
INCREMENT_PAGE = 100
INCREMENT_SPAN = timedelta(minutes=30)  # one increment call covers at most 30 minutes
ALL = "5"  # order_status / refund_status 5 = every state


class PopClient:
    def __init__(self, config: ChannelConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http

    def request_params(self, type_: str, params: Mapping[str, str], *, now: float | None = None) -> dict[str, str]:
        system = {
            "type": type_,
            "client_id": self.config.app_key,
            "access_token": self.config.access_token,
            "timestamp": str(int(now if now is not None else time.time())),
            "data_type": "JSON",
        }
        return signed({**system, **params}, self.config.app_secret)

    async def call(self, type_: str, params: Mapping[str, str]) -> dict[str, Any]:
        url = f"{self.config.base_url}/api/router"
        payload = await post_for_json(self.http, f"pinduoduo {type_}", url, data=self.request_params(type_, params))
        error = payload.get("error_response")
        if error is not None:
            raise PlatformError(
                f"pinduoduo {type_}: {error.get('error_code')} {error.get('error_msg', '')} "
                f"{error.get('sub_msg', '')}".strip()
            )
        body: dict[str, Any] = payload
        return body

    async def order_information(self, order_sn: str) -> dict[str, Any]:
        payload = await self.call("pdd.order.information.get", {"order_sn": order_sn})
        info: dict[str, Any] = payload["order_info_get_response"]["order_info"]
        return info

    async def decrypt(self, order_sn: str, ciphers: list[str]) -> dict[str, str]:
        """Plain text by ciphertext; entries the platform could not decrypt are left out."""
        plain: dict[str, str] = {}
        for i in range(0, len(ciphers), DECRYPT_BATCH):
            data = [{"data_tag": order_sn, "encrypted_data": c} for c in ciphers[i : i + DECRYPT_BATCH]]
            payload = await self.call("pdd.open.decrypt.batch", {"data_list": json.dumps(data, separators=(",", ":"))})
            for entry in payload["open_decrypt_batch_response"].get("data_decrypt_list") or []:
                if not entry.get("error_code") and entry.get("decrypted_data") is not None:
                    plain[str(entry["encrypted_data"])] = str(entry["decrypted_data"])
        return plain

    async def increment(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Orders updated in [start, end], all pages, in windows of at most 30 minutes."""
        found: list[dict[str, Any]] = []
        window_start = start
        while window_start < end:
            window_end = min(window_start + INCREMENT_SPAN, end)
            page = 1
            while True:
                payload = await self.call(
                    "pdd.order.number.list.increment.get",
                    {
                        "is_lucky_flag": "0",
                        "order_status": ALL,
                        "refund_status": ALL,
                        "start_updated_at": str(int(window_start.timestamp())),
                        "end_updated_at": str(int(window_end.timestamp())),
                        "page": str(page),
                        "page_size": str(INCREMENT_PAGE),
                        "use_has_next": "true",
                    },
                )
                body = payload["order_sn_increment_get_response"]
                found += [o for o in body.get("order_sn_list") or [] if isinstance(o, dict)]
                if not body.get("has_next"):
                    break
                page += 1
            window_start = window_end
        return found

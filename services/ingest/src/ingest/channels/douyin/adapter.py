"""The Douyin shop adapter: push check, detail fetch with decryption, incremental list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import httpx
from orderhub_contracts.order import Channel

from ingest.channels.base import ChannelAdapter, ChannelOrder, OrderRef, PlatformError, PushNotice, PushSink
from ingest.channels.douyin.client import DouyinClient
from ingest.channels.douyin.normalise import encrypted_fields, normalise
from ingest.channels.douyin.push import verify_push
from ingest.settings import ChannelConfig

PAGE_SIZE = 100


class DouyinAdapter:
    channel = Channel.DOUYIN

    def __init__(self, config: ChannelConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.client = DouyinClient(config, http)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        return verify_push(self.config, headers, body)

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        detail = await self.client.order_detail(ref.channel_order_no)
        ciphers = encrypted_fields(detail)
        plain = await self.client.batch_decrypt(ref.channel_order_no, ciphers) if ciphers else {}
        missing = [c for c in ciphers if c not in plain]
        if missing:
            raise PlatformError(f"douyin order {ref.channel_order_no}: {len(missing)} field(s) not decrypted")
        return normalise(detail, plain)

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        refs: list[OrderRef] = []
        page = 0
        while True:
            orders, total = await self.client.search_list(int(start.timestamp()), int(end.timestamp()), page, PAGE_SIZE)
            refs += [OrderRef(Channel.DOUYIN, str(o.get("shop_id") or shop_id), str(o["order_id"])) for o in orders]
            page += 1
            if not orders or page * PAGE_SIZE >= total:
                return refs

    async def stream(self, sink: PushSink) -> None:
        return None  # Douyin pushes over HTTP: POST /webhooks/douyin


def create_adapter(config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter:
    return DouyinAdapter(config, http)

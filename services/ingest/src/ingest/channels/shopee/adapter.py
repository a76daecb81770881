"""The Shopee MY adapter: push check, detail fetch, incremental order list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from orderhub_contracts.order import Channel

from ingest.channels.base import ChannelAdapter, ChannelOrder, OrderRef, PushNotice, PushSink
from ingest.channels.shopee.client import ShopeeClient
from ingest.channels.shopee.normalise import normalise
from ingest.channels.shopee.push import verify_push
from ingest.settings import ChannelConfig

PAGE_SIZE = 100
MAX_RANGE = timedelta(days=15)  # get_order_list refuses a longer time range


class ShopeeAdapter:
    channel = Channel.SHOPEE

    def __init__(self, config: ChannelConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.client = ShopeeClient(config, http)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        return verify_push(self.config, headers, body)

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        detail = await self.client.order_detail(ref.channel_order_no)
        return normalise(detail, self.config.options.get("shop_id") or ref.shop_id)

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        numbers: dict[str, None] = {}  # ordered set: a window boundary may list an order twice
        window_start = start
        while window_start < end:
            window_end = min(window_start + MAX_RANGE, end)
            cursor = ""
            while True:
                page, cursor = await self.client.order_list(
                    int(window_start.timestamp()), int(window_end.timestamp()), cursor, PAGE_SIZE
                )
                numbers.update(dict.fromkeys(page))
                if not cursor:
                    break
            window_start = window_end
        return [OrderRef(Channel.SHOPEE, shop_id, n) for n in numbers]

    async def stream(self, sink: PushSink) -> None:
        return None  # Shopee pushes over HTTP: POST /webhooks/shopee


def create_adapter(config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter:
    return ShopeeAdapter(config, http)

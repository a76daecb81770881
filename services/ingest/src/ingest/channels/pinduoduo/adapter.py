"""The Pinduoduo adapter: message-service frames as pushes, order.information.get + decrypt.batch as
the detail fetch, order.number.list.increment.get as the safety net."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from orderhub_contracts.order import Channel

from ingest.channels.base import ChannelAdapter, ChannelOrder, OrderRef, PlatformError, PushNotice, PushSink
from ingest.channels.pinduoduo.client import PopClient
from ingest.channels.pinduoduo.messages import run_messages
from ingest.channels.pinduoduo.normalise import encrypted_values, normalise, order_no, with_plaintexts
from ingest.channels.pinduoduo.push import verify_push
from ingest.settings import ChannelConfig


class PinduoduoAdapter:
    channel = Channel.PINDUODUO
    max_sync_window = timedelta(minutes=30)  # number.list.increment.get: at most 30 minutes per call

    def __init__(self, config: ChannelConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.client = PopClient(config, http)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        return verify_push(self.config, headers, body)

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        info = await self.client.order_information(ref.channel_order_no)
        ciphers = encrypted_values(info)
        if ciphers:
            plain = await self.client.decrypt(order_no(info), ciphers)
            missing = [c for c in ciphers if c not in plain]
            if missing:  # never take in an order whose receiver we cannot read: retried later
                raise PlatformError(f"pinduoduo order {ref.channel_order_no}: {len(missing)} field(s) not decrypted")
            info = with_plaintexts(info, plain)
        return normalise(info, shop_id=ref.shop_id)

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        found = await self.client.increment(start, end)
        return [OrderRef(Channel.PINDUODUO, shop_id, order_no(o)) for o in found]

    async def stream(self, sink: PushSink) -> None:
        await run_messages(self.config, sink)


def create_adapter(config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter:
    return PinduoduoAdapter(config, http)

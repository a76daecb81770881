"""The Taobao/Tmall adapter: TMC messages as pushes, fullinfo + OAID decrypt as the detail fetch,
taobao.trades.sold.increment.get as the safety net."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from orderhub_contracts.order import Channel

from ingest.channels.base import ChannelAdapter, ChannelOrder, OrderRef, PlatformError, PushNotice, PushSink
from ingest.channels.taobao.client import TopClient
from ingest.channels.taobao.fields import text
from ingest.channels.taobao.normalise import normalise, order_no, with_receiver
from ingest.channels.taobao.push import verify_push
from ingest.channels.taobao.signing import SignMethod
from ingest.channels.taobao.tmc import run_tmc
from ingest.settings import ChannelConfig


class TaobaoAdapter:
    channel = Channel.TAOBAO
    max_sync_window = timedelta(days=1)  # increment.get: start and end at most a day apart

    def __init__(
        self, config: ChannelConfig, http: httpx.AsyncClient, *, sign_method: SignMethod = SignMethod.MD5
    ) -> None:
        self.config = config
        self.client = TopClient(config, http, sign_method=sign_method)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
        return verify_push(self.config, headers, body)

    async def fetch_order(self, ref: OrderRef) -> ChannelOrder:
        trade = await self.client.trade_fullinfo(ref.channel_order_no)
        oaid = text(trade.get("oaid"))
        if oaid:  # the receiver comes masked; its plaintext is behind the OAID
            receivers = await self.client.oaid_decrypt([(order_no(trade), oaid)])
            if oaid not in receivers:
                raise PlatformError(f"taobao trade {ref.channel_order_no}: OAID not decrypted (changed since?)")
            trade = with_receiver(trade, receivers[oaid])
        return normalise(trade, shop_id=ref.shop_id)

    async def list_updated(self, shop_id: str, start: datetime, end: datetime) -> list[OrderRef]:
        trades = await self.client.increment(start, end)
        return [OrderRef(Channel.TAOBAO, shop_id, order_no(t)) for t in trades]

    async def stream(self, sink: PushSink) -> None:
        await run_tmc(self.config, sink)


def create_adapter(config: ChannelConfig, http: httpx.AsyncClient) -> ChannelAdapter:
    return TaobaoAdapter(config, http)

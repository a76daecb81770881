"""The Douyin adapter against the simulator's signed API: detail + batchDecrypt, paging through
searchList, and platform refusals surfacing as retryable PlatformError (never a half-decrypted order)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import httpx
import pytest
from ingest.channels.base import OrderRef, PlatformError
from ingest.channels.douyin import adapter as douyin
from ingest.settings import IngestSettings
from orderhub_contracts.order import Channel
from orderhub_simulators.channels.douyin.app import create_app
from orderhub_simulators.channels.douyin.state import DouyinState

pytestmark = pytest.mark.asyncio(loop_scope="session")
CONFIG = IngestSettings(douyin_base_url="http://sim").channel("douyin")


def adapter(state: DouyinState, **changes: Any) -> douyin.DouyinAdapter:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)))
    return douyin.DouyinAdapter(dataclasses.replace(CONFIG, **changes), http)


def order(number: str, update_time: int) -> dict[str, Any]:
    return {
        "order_id": number,
        "shop_id": "s1",
        "order_status": 2,
        "create_time": update_time - 60,
        "update_time": update_time,
        "pay_time": update_time - 30,
        "post_receiver": "张三",
        "post_tel": "13812345678",
        "post_addr": {"town": {"name": "西湖区"}, "detail": "文三路 1 号"},
        "sku_order_list": [
            {"out_sku_id": "A", "product_name": "加湿器", "item_num": 1, "goods_price": 100, "pay_amount": 100}
        ],
    }


def ref(number: str) -> OrderRef:
    return OrderRef(Channel.DOUYIN, "s1", number)


async def test_fetch_decrypts_the_receiver() -> None:
    state = DouyinState()
    state.store(order("1001", int(time.time())))
    fetched = await adapter(state).fetch_order(ref("1001"))
    r = fetched.command.receiver
    assert (r.name, r.phone, r.district, r.detail) == ("张三", "13812345678", "西湖区", "文三路 1 号")


async def test_a_ciphertext_the_platform_will_not_decrypt_fails_the_fetch() -> None:
    state = DouyinState()
    stored = state.store(order("1002", int(time.time())))
    del state.plaintext[stored["encrypt_post_tel"]]
    with pytest.raises(PlatformError, match="not decrypted"):
        await adapter(state).fetch_order(ref("1002"))


async def test_wrong_secret_token_or_unknown_order_is_a_platform_error() -> None:
    state = DouyinState()
    state.store(order("1003", int(time.time())))
    with pytest.raises(PlatformError, match="signature-invalid"):
        await adapter(state, app_secret="wrong").fetch_order(ref("1003"))
    with pytest.raises(PlatformError, match="40003"):
        await adapter(state, access_token="expired").fetch_order(ref("1003"))
    with pytest.raises(PlatformError):
        await adapter(state).fetch_order(ref("404"))


async def test_list_updated_reads_every_page_of_the_window() -> None:
    from datetime import UTC, datetime

    state = DouyinState()
    base = 1_800_000_000
    for n in range(230):
        state.store(order(str(5000 + n), base + n))
    state.store(order("9999", base + 10_000))  # outside the window
    refs = await adapter(state).list_updated(
        "s1", datetime.fromtimestamp(base, UTC), datetime.fromtimestamp(base + 229, UTC)
    )
    assert len(refs) == 230 and {r.channel_order_no for r in refs} == {str(5000 + n) for n in range(230)}

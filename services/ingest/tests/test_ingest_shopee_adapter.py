"""The Shopee adapter against the simulator's signed v2 API: detail, cursor paging, the 15-day
range limit split into windows, and refusals surfacing as retryable PlatformError."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ingest.channels.base import OrderRef, PlatformError
from ingest.channels.shopee import adapter as shopee
from ingest.settings import IngestSettings
from orderhub_contracts.order import Channel
from orderhub_simulators.channels.shopee.app import create_app
from orderhub_simulators.channels.shopee.state import ShopeeState

pytestmark = pytest.mark.asyncio(loop_scope="session")
CONFIG = IngestSettings(shopee_base_url="http://sim").channel("shopee")


def adapter(state: ShopeeState, **changes: Any) -> shopee.ShopeeAdapter:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)))
    return shopee.ShopeeAdapter(dataclasses.replace(CONFIG, **changes), http)


def order(number: str, update_time: int) -> dict[str, Any]:
    return {
        "order_sn": number,
        "order_status": "READY_TO_SHIP",
        "create_time": update_time - 60,
        "update_time": update_time,
        "pay_time": update_time - 30,
        "recipient_address": {"name": "Tan", "phone": "60123456789", "full_address": "12 Jalan 3"},
        "item_list": [
            {
                "item_id": 1,
                "item_name": "Fan",
                "model_sku": "FAN-1",
                "model_quantity_purchased": 2,
                "model_original_price": 19.9,
                "model_discounted_price": 17.45,
            }
        ],
    }


async def test_fetch_normalises_the_detail() -> None:
    state = ShopeeState()
    state.store(order("2411X1", int(time.time())))
    fetched = await adapter(state).fetch_order(OrderRef(Channel.SHOPEE, "200001", "2411X1"))
    (item,) = fetched.command.items
    assert (item.unit_price_fen, item.paid_fen) == (1990, 3490) and fetched.command.currency == "MYR"


async def test_refusals_and_unknown_orders_are_platform_errors() -> None:
    state = ShopeeState()
    state.store(order("2411X2", int(time.time())))
    ref = OrderRef(Channel.SHOPEE, "200001", "2411X2")
    with pytest.raises(PlatformError, match="error_sign"):
        await adapter(state, app_secret="wrong").fetch_order(ref)
    with pytest.raises(PlatformError, match="error_auth"):
        await adapter(state, access_token="expired").fetch_order(ref)
    with pytest.raises(PlatformError, match="not in get_order_detail"):
        await adapter(state).fetch_order(OrderRef(Channel.SHOPEE, "200001", "nope"))


async def test_list_splits_long_ranges_into_15_day_windows_and_follows_the_cursor() -> None:
    state = ShopeeState()
    start = datetime(2026, 10, 1, tzinfo=UTC)
    stamps = [start + timedelta(days=d, minutes=m) for d in (0, 14, 16, 29) for m in range(60)]
    for n, at in enumerate(stamps):
        state.store(order(f"24{n:05d}", int(at.timestamp())))
    refs = await adapter(state).list_updated("200001", start, start + timedelta(days=30))
    assert len(refs) == len(stamps) == len({r.channel_order_no for r in refs})

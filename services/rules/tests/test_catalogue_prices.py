"""R10 compares what was paid with the catalogue's list prices (product.updated) wherever the
catalogue knows the SKU: an order that states 1 fen for a ¥299 humidifier and pays 1 fen is held,
not compared with itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import OrderPlaced, ProductUpdated
from orderhub_contracts.order import LineItem

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_r10_uses_the_catalogue_price_not_the_one_the_order_states(rules: RulesHarness) -> None:
    sku = f"HUM-{uuid.uuid4().hex[:6]}"
    await rules.deliver(
        ProductUpdated(sku=sku, title="加湿器", category="家电", list_price_fen=29900, updated_at=datetime.now(UTC))
    )
    forged = rules.order(items=(LineItem(sku=sku, title="加湿器", quantity=1, unit_price_fen=1),))
    await rules.deliver(OrderPlaced(order=forged))
    (anomaly,) = await rules.anomalies(forged.order_id)
    assert anomaly["rule_id"] == "R10"
    honest = rules.order(items=(LineItem(sku=sku, title="加湿器", quantity=1, unit_price_fen=29900),))
    unknown = rules.order(
        items=(LineItem(sku=f"X-{uuid.uuid4().hex[:6]}", title="杂物", quantity=1, unit_price_fen=1),)
    )
    for order in (honest, unknown):
        await rules.deliver(OrderPlaced(order=order))
        assert await rules.anomalies(order.order_id) == []

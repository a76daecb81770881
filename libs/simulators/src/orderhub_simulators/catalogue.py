"""The sample shop's catalogue: every SKU the simulated channels order, with one list price each.
Mini-program orders are priced by OrderHub from fulfillment's catalogue (never by the client), so a
local run or an end-to-end test that feeds the mini-program puts these products there first."""

from __future__ import annotations

import httpx

from orderhub_simulators import feed
from orderhub_simulators.channels.douyin import samples

FULFILLMENT_URL = "http://127.0.0.1:8003"
WAREHOUSE_TOKEN = "local-warehouse"


def sample_catalogue() -> dict[str, tuple[str, int]]:
    """SKU → (title, list price in fen); the order feed's prices win where both lists have a SKU."""
    products = {sku: (title, price) for sku, title, price in samples.PRODUCTS}
    products.update({sku: (title, price) for sku, title, price in feed._PRODUCTS})
    return products


async def seed_catalogue(fulfillment_url: str = FULFILLMENT_URL, token: str = WAREHOUSE_TOKEN) -> list[str]:
    """PUT every sample product into fulfillment's catalogue (product.updated reaches ingest)."""
    async with httpx.AsyncClient(base_url=fulfillment_url.rstrip("/"), timeout=10.0) as client:
        for sku, (title, price) in sorted(sample_catalogue().items()):
            response = await client.put(
                f"/v1/products/{sku}",
                json={"title": title, "category": "小家电", "list_price_fen": price},
                headers={"Authorization": f"Bearer {token}"},
            )
            response.raise_for_status()
    return sorted(sample_catalogue())

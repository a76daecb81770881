"""The product catalogue: PUT by the warehouse or a manager, read by any staff, and every change
published as product.updated (a repeated PUT publishes nothing)."""

from __future__ import annotations

import pytest
from fulfillment.tables import messaging
from fulfillment_harness import FulfillmentEnv
from orderhub_devstack.testing import read_topic
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
CS = {"Authorization": "Bearer local-cs"}
MANAGER = {"Authorization": "Bearer local-manager"}


async def _product_events(fulfillment: FulfillmentEnv, sku: str) -> int:
    outbox = messaging.outbox
    async with fulfillment.engine.connect() as conn:
        query = select(func.count()).where(outbox.c.key == sku, outbox.c.event_type == "product.updated")
        return int((await conn.execute(query)).scalar_one())


async def test_put_then_get_a_product_and_its_event(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    created = await fulfillment.put_product(sku, bin_location="A-03-12", title="电热水壶 1.7L", list_price_fen=8_900)
    assert created.status_code == 200, created.text
    body = created.json()
    assert (body["changed"], body["bin_location"], body["presale"]) == (True, "A-03-12", False)
    assert (body["list_price_fen"], body["currency"]) == (8_900, "CNY")

    read = (await fulfillment.client.get(f"/v1/products/{sku}", headers=CS)).json()
    assert (read["title"], read["category"], read["bin_location"]) == ("电热水壶 1.7L", "厨房电器", "A-03-12")

    seen = await read_topic(
        fulfillment.bootstrap,
        "fulfillment.v1",
        prefix=fulfillment.prefix,
        until=lambda events: any(e.subject == sku for e in events),
    )
    [event] = [e for e in seen if e.subject == sku]
    assert event.type == "product.updated"
    assert (event.data["sku"], event.data["bin_location"], event.data["list_price_fen"]) == (sku, "A-03-12", 8_900)


async def test_a_repeated_put_publishes_nothing_and_a_change_publishes_again(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    assert (await fulfillment.put_product(sku, bin_location="B-01-02")).json()["changed"] is True
    again = await fulfillment.put_product(sku, bin_location="B-01-02")
    assert again.json()["changed"] is False
    assert await _product_events(fulfillment, sku) == 1

    presale = await fulfillment.client.put(
        f"/v1/products/{sku}",
        json={
            "title": "预售空气炸锅",
            "list_price_fen": 29_900,
            "bin_location": "B-01-02",
            "presale_ship_date": "2026-03-01",
        },
        headers=MANAGER,
    )
    assert presale.status_code == 200, presale.text
    assert (presale.json()["presale"], presale.json()["presale_ship_date"]) == (True, "2026-03-01")
    assert await _product_events(fulfillment, sku) == 2


async def test_catalogue_writes_need_the_warehouse_and_valid_fields(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    body = {"title": "电饭煲", "list_price_fen": 19_900}
    assert (await fulfillment.client.put(f"/v1/products/{sku}", json=body, headers=CS)).status_code == 403
    assert (await fulfillment.client.put(f"/v1/products/{sku}", json=body)).status_code == 401
    for bad in ({"list_price_fen": -1}, {"bin_location": "somewhere"}, {"title": ""}, {"price": 1}):
        response = await fulfillment.client.put(
            f"/v1/products/{sku}", json=body | bad, headers={"Authorization": "Bearer local-warehouse"}
        )
        assert response.status_code == 422, bad
    assert (await fulfillment.client.get(f"/v1/products/{sku}", headers=CS)).status_code == 404


async def test_the_catalogue_lists_in_sku_order_a_page_at_a_time(fulfillment: FulfillmentEnv) -> None:
    prefix = fulfillment.sku()
    skus = [f"{prefix}-{n}" for n in range(3)]
    for sku in skus:
        await fulfillment.put_product(sku, category=f"品类{prefix}")
    first = (
        await fulfillment.client.get("/v1/products", params={"category": f"品类{prefix}", "limit": 2}, headers=CS)
    ).json()
    assert [p["sku"] for p in first["items"]] == skus[:2]
    rest = (
        await fulfillment.client.get(
            "/v1/products", params={"category": f"品类{prefix}", "after": first["next_after"]}, headers=CS
        )
    ).json()
    assert ([p["sku"] for p in rest["items"]], rest["next_after"]) == (skus[2:], None)

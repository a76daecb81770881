"""PUT/GET /v1/stock/{sku}: who may call, what is valid, and never below what is reserved."""

from __future__ import annotations

from typing import Any

import pytest
from fulfillment_harness import FulfillmentEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_put_creates_the_sku_and_get_reads_it(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    response = await fulfillment.put_stock(sku, 12)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("sku", "on_hand", "reserved", "available")} == {
        "sku": sku,
        "on_hand": 12,
        "reserved": 0,
        "available": 12,
    }
    assert body["allocated_orders"] == []
    read = await fulfillment.client.get(f"/v1/stock/{sku}", headers={"Authorization": "Bearer local-cs"})
    assert read.status_code == 200
    assert read.json()["available"] == 12


async def test_a_manager_may_set_stock_too(fulfillment: FulfillmentEnv) -> None:
    response = await fulfillment.put_stock(fulfillment.sku(), 0, {"Authorization": "Bearer local-manager"})
    assert response.status_code == 200, response.text
    assert response.json()["on_hand"] == 0


async def test_unknown_sku_is_not_found(fulfillment: FulfillmentEnv) -> None:
    response = await fulfillment.client.get(
        f"/v1/stock/{fulfillment.sku()}", headers={"Authorization": "Bearer local-ops"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_setting_stock_needs_a_staff_token(fulfillment: FulfillmentEnv) -> None:
    response = await fulfillment.put_stock(fulfillment.sku(), 5, {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    response = await fulfillment.put_stock(fulfillment.sku(), 5, {"Authorization": "Bearer nobody"})
    assert response.status_code == 401
    assert (await fulfillment.client.get(f"/v1/stock/{fulfillment.sku()}")).status_code == 401


async def test_customer_service_may_not_set_stock(fulfillment: FulfillmentEnv) -> None:
    response = await fulfillment.put_stock(fulfillment.sku(), 5, {"Authorization": "Bearer local-cs"})
    assert response.status_code == 403
    assert "warehouse" in response.json()["error"]["message"]


@pytest.mark.parametrize("on_hand", [-1, 2.5, "7", None, True, 10**12])
async def test_invalid_on_hand_is_refused(fulfillment: FulfillmentEnv, on_hand: Any) -> None:
    response = await fulfillment.put_stock(fulfillment.sku(), on_hand)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


async def test_malformed_bodies_are_refused(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    headers = {"Authorization": "Bearer local-warehouse"}
    for body in ({}, {"on_hand": 3, "reserved": 1}, [3]):
        response = await fulfillment.client.put(f"/v1/stock/{sku}", json=body, headers=headers)
        assert response.status_code == 422, body
    response = await fulfillment.client.put(f"/v1/stock/{'X' * 65}", json={"on_hand": 1}, headers=headers)
    assert response.status_code == 422


async def test_on_hand_cannot_drop_below_what_is_reserved(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    assert (await fulfillment.put_stock(sku, 5)).status_code == 200
    order = fulfillment.order({sku: 3})
    await fulfillment.validate(order)
    await fulfillment.events(order.order_id, "shipment.created")

    response = await fulfillment.put_stock(sku, 2)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "3 units are reserved" in error["message"]
    assert error["details"] == {"sku": sku, "requested_on_hand": 2, "reserved": 3}
    assert (await fulfillment.stock(sku))["on_hand"] == 5

    response = await fulfillment.put_stock(sku, 3)
    assert response.status_code == 200
    assert (response.json()["reserved"], response.json()["available"]) == (3, 0)

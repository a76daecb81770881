"""A clean paid order: reserve stock → outbound order → waybill → shipment.created; and what
happens when stock is short and then raised."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.events import ShipmentCreated, StockShortage
from orderhub_devstack.testing import publish_envelope

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_clean_order_gets_one_outbound_and_waybill(fulfillment: FulfillmentEnv) -> None:
    sku_a, sku_b = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_stock(sku_a, 10)
    await fulfillment.put_stock(sku_b, 1)
    paid_at = datetime.now(UTC) - timedelta(minutes=3)
    order = fulfillment.order({sku_a: 2, sku_b: 1}, paid_at=paid_at)
    await fulfillment.validate(order)

    [envelope] = await fulfillment.events(order.order_id, "shipment.created")
    event = ShipmentCreated.model_validate(envelope.data)
    assert event.carrier == "LOCAL"
    assert re.fullmatch(r"LC\d{12}", event.waybill_no)
    assert re.fullmatch(r"OB\d{8}\d{6,}", event.outbound_id)
    assert event.receiver.phone == "13812345678"  # notify texts the customer: full number
    assert event.items == order.items
    assert event.ship_deadline == paid_at + timedelta(hours=24)

    assert (await fulfillment.stock(sku_a))["reserved"] == 2
    assert (await fulfillment.stock(sku_b))["available"] == 0
    state = await fulfillment.fulfillment_of(order.order_id)
    [outbound] = state["items"]
    assert (outbound["status"], outbound["waybill_no"], outbound["outbound_id"]) == (
        "created",
        event.waybill_no,
        event.outbound_id,
    )
    assert outbound["receiver"]["phone"] == "138****5678"
    assert outbound["buyer_remark"] == "请开发票"
    assert not (state["awaiting_stock"] or state["on_hold"] or state["cancelled"])


async def test_redelivered_clearance_changes_nothing(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    order = fulfillment.order({sku: 1})
    first = await fulfillment.validate(order)
    await fulfillment.events(order.order_id, "shipment.created")

    # The same record again (inbox dedupe) and a second clearance event (data-level idempotency).
    await publish_envelope(fulfillment.bootstrap, first, topic="anomalies.v1", prefix=fulfillment.prefix)
    again = await fulfillment.validate(order)
    await fulfillment.handled(again)

    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 1
    assert len(await fulfillment.events(order.order_id, "shipment.created", count=2, timeout_s=1.0)) == 1
    assert len((await fulfillment.fulfillment_of(order.order_id))["items"]) == 1
    assert (await fulfillment.stock(sku))["reserved"] == 1


async def test_short_order_waits_reserving_nothing_until_stock_is_raised(fulfillment: FulfillmentEnv) -> None:
    plenty, scarce = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_stock(plenty, 50)
    await fulfillment.put_stock(scarce, 1)
    order = fulfillment.order({plenty: 4, scarce: 3})
    await fulfillment.validate(order)

    [envelope] = await fulfillment.events(order.order_id, "stock.shortage")
    shortage = StockShortage.model_validate(envelope.data)
    assert [(s.sku, s.requested, s.available) for s in shortage.lines] == [(scarce, 3, 1)]
    assert (await fulfillment.stock(plenty))["reserved"] == 0  # all lines or none
    state = await fulfillment.fulfillment_of(order.order_id)
    assert state["awaiting_stock"] is True
    assert state["items"] == []
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 0

    response = await fulfillment.put_stock(scarce, 3)
    assert response.status_code == 200
    assert response.json()["allocated_orders"] == [order.order_id]
    assert (response.json()["reserved"], response.json()["available"]) == (3, 0)
    [shipped] = await fulfillment.events(order.order_id, "shipment.created")
    assert re.fullmatch(r"LC\d{12}", shipped.data["waybill_no"])
    assert (await fulfillment.stock(plenty))["reserved"] == 4
    assert (await fulfillment.fulfillment_of(order.order_id))["awaiting_stock"] is False


async def test_raised_stock_goes_to_waiting_orders_oldest_first(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 0)
    first, second, small = fulfillment.order({sku: 2}), fulfillment.order({sku: 2}), fulfillment.order({sku: 1})
    for order in (first, second, small):
        await fulfillment.handled(await fulfillment.validate(order))

    response = await fulfillment.put_stock(sku, 3)
    # The first fits; the second does not and keeps its place; the later, smaller one fits.
    assert response.json()["allocated_orders"] == [first.order_id, small.order_id]
    assert (await fulfillment.fulfillment_of(second.order_id))["awaiting_stock"] is True

    response = await fulfillment.put_stock(sku, 5)
    assert response.json()["allocated_orders"] == [second.order_id]
    assert response.json()["available"] == 0
    assert await fulfillment.outbox_count(second.order_id, "stock.shortage") == 1  # not re-announced per retry


async def test_outbound_lookup_needs_staff_and_an_order_id(fulfillment: FulfillmentEnv) -> None:
    cs = {"Authorization": "Bearer local-cs"}
    assert (await fulfillment.client.get("/v1/outbound", params={"order_id": "DABE1"})).status_code == 401
    assert (await fulfillment.client.get("/v1/outbound", headers=cs)).status_code == 422
    unknown = await fulfillment.client.get("/v1/outbound", params={"order_id": "DABE-NOPE"}, headers=cs)
    assert unknown.status_code == 200
    assert unknown.json() == {
        "order_id": "DABE-NOPE",
        "items": [],
        "awaiting_stock": False,
        "on_hold": False,
        "cancelled": False,
    }


async def test_order_for_a_sku_never_stocked_waits_for_its_first_stock(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    order = fulfillment.order({sku: 2})
    await fulfillment.validate(order)
    [envelope] = await fulfillment.events(order.order_id, "stock.shortage")
    assert envelope.data["lines"] == [{"sku": sku, "requested": 2, "available": 0}]
    assert (await fulfillment.stock(sku))["on_hand"] == 0  # ordered, so known, with nothing on hand

    assert (await fulfillment.put_stock(sku, 2)).json()["allocated_orders"] == [order.order_id]
    await fulfillment.events(order.order_id, "shipment.created")

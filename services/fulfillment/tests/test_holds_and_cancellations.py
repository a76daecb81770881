"""Holds keep an order from its waybill (or stop the outbound it already has); cancellations
give its stock back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import OrderCancelled, OrderHeld

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _held(order_id: str, rule: str = "R11") -> OrderHeld:
    return OrderHeld(order_id=order_id, rule_ids=(rule,), reasons=("大额订单",))


async def test_held_order_gets_no_waybill_until_released(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 5)
    order = fulfillment.order({sku: 1})
    held = await fulfillment.publish(_held(order.order_id))
    # A clearance issued before the hold (overtaken by it) must not allocate the order.
    stale = await fulfillment.validate(order, at=held.time - timedelta(seconds=5))
    await fulfillment.handled(held, stale)

    state = await fulfillment.fulfillment_of(order.order_id)
    assert state["on_hold"] is True
    assert state["items"] == []
    assert (await fulfillment.stock(sku))["reserved"] == 0
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 0

    await fulfillment.validate(order)  # customer service released it
    [shipped] = await fulfillment.events(order.order_id, "shipment.created")
    state = await fulfillment.fulfillment_of(order.order_id)
    assert state["on_hold"] is False
    assert state["items"][0]["waybill_no"] == shipped.data["waybill_no"]


async def test_hold_after_allocation_intercepts_and_release_reactivates(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 5)
    order = fulfillment.order({sku: 2})
    await fulfillment.validate(order)
    [shipped] = await fulfillment.events(order.order_id, "shipment.created")

    await fulfillment.handled(await fulfillment.publish(_held(order.order_id, "R15")))
    state = await fulfillment.fulfillment_of(order.order_id)
    assert state["on_hold"] is True
    assert state["items"][0]["status"] == "intercepted"
    assert (await fulfillment.stock(sku))["reserved"] == 2  # kept for the release

    moved = Receiver(
        name="张三",
        phone="13812345678",
        province="浙江省",
        city="杭州市",
        district="滨江区",
        street="江南大道",
        detail="88号",
    )
    await fulfillment.handled(await fulfillment.validate(order.model_copy(update={"receiver": moved})))
    [outbound] = (await fulfillment.fulfillment_of(order.order_id))["items"]
    assert (outbound["status"], outbound["waybill_no"]) == ("created", shipped.data["waybill_no"])
    assert "滨江区" in outbound["receiver"]["address"]
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 1
    assert (await fulfillment.stock(sku))["reserved"] == 2


async def test_held_order_waiting_for_stock_is_not_allocated_by_a_raise(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 0)
    order = fulfillment.order({sku: 1})
    await fulfillment.handled(await fulfillment.validate(order))
    await fulfillment.handled(await fulfillment.publish(_held(order.order_id, "R09")))

    response = await fulfillment.put_stock(sku, 4)
    assert response.json()["allocated_orders"] == []
    state = await fulfillment.fulfillment_of(order.order_id)
    assert (state["awaiting_stock"], state["on_hold"], state["items"]) == (True, True, [])

    await fulfillment.validate(order)  # released: the stock is there now
    await fulfillment.events(order.order_id, "shipment.created")
    assert (await fulfillment.stock(sku))["reserved"] == 1
    assert await fulfillment.outbox_count(order.order_id, "stock.shortage") == 1


async def test_cancellation_releases_stock_and_cancels_the_outbound(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 3)
    order, waiting = fulfillment.order({sku: 3}), fulfillment.order({sku: 2})
    await fulfillment.validate(order)
    await fulfillment.events(order.order_id, "shipment.created")
    await fulfillment.handled(await fulfillment.validate(waiting))
    assert (await fulfillment.fulfillment_of(waiting.order_id))["awaiting_stock"] is True

    await fulfillment.handled(await fulfillment.publish(OrderCancelled(order_id=order.order_id, reason="买家取消")))
    state = await fulfillment.fulfillment_of(order.order_id)
    assert state["cancelled"] is True
    assert state["items"][0]["status"] == "cancelled"
    # The freed units went straight to the order waiting for them.
    await fulfillment.events(waiting.order_id, "shipment.created")
    assert (await fulfillment.stock(sku))["reserved"] == 2


async def test_cancellation_before_clearance_prevents_allocation(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 3)
    order = fulfillment.order({sku: 1})
    await fulfillment.handled(await fulfillment.publish(OrderCancelled(order_id=order.order_id, reason="超时未付")))
    await fulfillment.handled(await fulfillment.validate(order, at=datetime.now(UTC)))

    state = await fulfillment.fulfillment_of(order.order_id)
    assert (state["cancelled"], state["items"], state["awaiting_stock"]) == (True, [], False)
    assert (await fulfillment.stock(sku))["reserved"] == 0
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 0

"""Ship scans at the warehouse door: the parcel leaves (shipment.dispatched, then order.shipped once
every parcel has), wrong waybills are refused with a code and a Chinese message and change
nothing, and a repeated scan is harmless."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fulfillment.tables import holds
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.events import OrderCancelled, OrderHeld

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _allocated(fulfillment: FulfillmentEnv, units: int = 1) -> tuple[str, str]:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    order = fulfillment.order({sku: units})
    await fulfillment.validate(order)
    [outbound] = await fulfillment.outbounds(order.order_id)
    return order.order_id, outbound["waybill_no"]


async def test_a_scanned_parcel_has_left(fulfillment: FulfillmentEnv) -> None:
    order_id, waybill_no = await _allocated(fulfillment)
    response = await fulfillment.scan_ship(f" {waybill_no.lower()} ")  # as a PDA may send it
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["waybill_no"], body["order_id"], body["already_shipped"], body["order_shipped"]) == (
        waybill_no,
        order_id,
        False,
        True,
    )
    assert body["message"].startswith("发货成功")
    [dispatched] = await fulfillment.events(order_id, "shipment.dispatched")
    assert (dispatched.data["waybill_no"], dispatched.data["carrier"], dispatched.data["zone"]) == (
        waybill_no,
        "LOCAL",
        "in_stock",
    )
    [shipped] = await fulfillment.events(order_id, "order.shipped")
    assert shipped.data["waybill_nos"] == [waybill_no]
    [outbound] = await fulfillment.outbounds(order_id)
    assert outbound["status"] == "shipped" and outbound["shipped_at"] is not None
    board = await fulfillment.board()
    assert order_id not in [i["order_id"] for i in board["in_stock"]]


async def test_scanning_the_same_waybill_twice_is_harmless(fulfillment: FulfillmentEnv) -> None:
    order_id, waybill_no = await _allocated(fulfillment)
    first = (await fulfillment.scan_ship(waybill_no)).json()
    again = await fulfillment.scan_ship(waybill_no)
    assert again.status_code == 200
    assert (again.json()["already_shipped"], again.json()["shipped_at"]) == (True, first["shipped_at"])
    assert "无需重复扫描" in again.json()["message"]
    assert await fulfillment.outbox_count(order_id, "shipment.dispatched") == 1
    assert await fulfillment.outbox_count(order_id, "order.shipped") == 1


async def test_an_unknown_waybill_is_refused(fulfillment: FulfillmentEnv) -> None:
    response = await fulfillment.scan_ship("LC999999999990")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "waybill_unknown"
    assert "不存在" in error["message"] and "LC999999999990" in error["message"]


async def test_cancelled_intercepted_and_held_waybills_are_refused_and_change_nothing(
    fulfillment: FulfillmentEnv,
) -> None:
    cancelled_order, cancelled_waybill = await _allocated(fulfillment)
    await fulfillment.handled(await fulfillment.publish(OrderCancelled(order_id=cancelled_order, reason="买家取消")))
    held_order, held_waybill = await _allocated(fulfillment)
    hold = OrderHeld(order_id=held_order, rule_ids=("R15",), reasons=("已打单改地址",))
    await fulfillment.handled(await fulfillment.publish(hold))

    cancelled = await fulfillment.scan_ship(cancelled_waybill)
    assert cancelled.status_code == 409
    assert cancelled.json()["error"]["code"] == "waybill_cancelled"
    assert "已取消" in cancelled.json()["error"]["message"]
    intercepted = await fulfillment.scan_ship(held_waybill)
    assert intercepted.status_code == 409
    assert intercepted.json()["error"]["code"] == "parcel_intercepted"
    assert "拦截" in intercepted.json()["error"]["message"]

    for order_id, status in ((cancelled_order, "cancelled"), (held_order, "intercepted")):
        [outbound] = await fulfillment.outbounds(order_id)
        assert (outbound["status"], outbound["shipped_at"]) == (status, None)
        assert await fulfillment.outbox_count(order_id, "shipment.dispatched") == 0
    [intercepted_event] = await fulfillment.events(held_order, "shipment.intercepted")
    assert intercepted_event.data["waybill_no"] == held_waybill


async def test_a_released_parcel_may_leave_and_the_release_is_announced(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 10)
    order = fulfillment.order({sku: 1})
    await fulfillment.validate(order)
    [outbound] = await fulfillment.outbounds(order.order_id)
    hold = OrderHeld(order_id=order.order_id, rule_ids=("R15",), reasons=("已打单改地址",))
    await fulfillment.handled(await fulfillment.publish(hold))
    await fulfillment.handled(await fulfillment.validate(order))  # customer service released it
    [released] = await fulfillment.events(order.order_id, "shipment.released")
    assert released.data["waybill_no"] == outbound["waybill_no"]
    assert (await fulfillment.scan_ship(outbound["waybill_no"])).status_code == 200


async def test_a_split_order_is_shipped_when_its_last_parcel_leaves(fulfillment: FulfillmentEnv) -> None:
    kettle, fryer = fulfillment.sku(), fulfillment.sku()
    await fulfillment.put_product(fryer, presale_ship_date="2099-01-01")
    await fulfillment.put_stock(kettle, 5)
    await fulfillment.put_stock(fryer, 5)
    order = fulfillment.order({kettle: 1, fryer: 1})
    await fulfillment.validate(order)
    in_stock, presale = await fulfillment.outbounds(order.order_id, 2)

    first = (await fulfillment.scan_ship(in_stock["waybill_no"])).json()
    assert (first["zone"], first["order_shipped"]) == ("in_stock", False)
    assert "还有包裹未发出" in first["message"]
    assert await fulfillment.outbox_count(order.order_id, "order.shipped") == 0
    board = await fulfillment.board()
    assert order.order_id in [i["order_id"] for i in board["presale"]]

    second = (await fulfillment.scan_ship(presale["waybill_no"])).json()
    assert (second["zone"], second["order_shipped"]) == ("presale", True)
    dispatched = await fulfillment.events(order.order_id, "shipment.dispatched", count=2)
    assert [e.data["zone"] for e in dispatched] == ["in_stock", "presale"]
    [shipped] = await fulfillment.events(order.order_id, "order.shipped")
    assert sorted(shipped.data["waybill_nos"]) == sorted([in_stock["waybill_no"], presale["waybill_no"]])


async def test_scans_need_the_warehouse(fulfillment: FulfillmentEnv) -> None:
    cs = {"Authorization": "Bearer local-cs"}
    response = await fulfillment.client.post("/v1/scans/ship", json={"waybill_no": "LC000000000001"}, headers=cs)
    assert response.status_code == 403
    assert (await fulfillment.client.post("/v1/scans/ship", json={"waybill_no": "LC000000000001"})).status_code == 401


async def test_a_parcel_of_an_order_on_hold_is_refused(fulfillment: FulfillmentEnv) -> None:
    """A hold always intercepts the open parcels; should one still be open (a parcel being picked
    when the hold lands, say), the scan checks the order's hold itself."""
    order_id, waybill_no = await _allocated(fulfillment)
    async with fulfillment.engine.begin() as conn:
        await conn.execute(
            holds.insert().values(order_id=order_id, rule_ids=["R11"], reasons=["大额订单"], held_at=datetime.now(UTC))
        )
    response = await fulfillment.scan_ship(waybill_no)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "order_on_hold" and "R11" in error["message"] and "请勿发货" in error["message"]
    [outbound] = await fulfillment.outbounds(order_id)
    assert outbound["status"] == "created"
    assert await fulfillment.outbox_count(order_id, "shipment.dispatched") == 0

"""Address changes reaching the warehouse (order.address_changed, outcome decided by ingest): a
label not yet on paper is re-issued with no person involved, a printed one is intercepted, a
clearance with the old address still allocates to the new one, and a change racing the waybill
ends with exactly one waybill for the new address (nothing half-applied)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from fulfillment.outbound.model import OutboundStatus
from fulfillment.outbound.repository import set_status
from fulfillment.tracking.repository import jobs_for
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import AddressInterceptRequested, OrderAddressChanged
from orderhub_contracts.order import CanonicalOrder

pytestmark = pytest.mark.asyncio(loop_scope="session")
NEW = Receiver(
    name="李四", phone="13900001111", province="江苏省", city="南京市", district="鼓楼区", detail="中山路 1 号"
)


def changed(order: CanonicalOrder, outcome: str = "changed") -> OrderAddressChanged:
    return OrderAddressChanged(
        order_id=order.order_id,
        receiver=NEW,
        previous=order.receiver,
        changed_by="cs-test",
        changed_at=datetime.now(UTC),
        outcome=outcome,
        reason="客户搬家",
    )


async def test_a_change_before_the_label_is_printed_reissues_the_waybill(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    order = fulfillment.order({sku: 1})
    await fulfillment.validate(order)
    [first] = await fulfillment.events(order.order_id, "shipment.created")
    await fulfillment.handled(await fulfillment.publish(changed(order)))
    created = await fulfillment.events(order.order_id, "shipment.created", count=2)
    assert created[1].data["waybill_no"] != first.data["waybill_no"]
    assert created[1].data["receiver"]["city"] == "南京市"
    [outbound] = (await fulfillment.fulfillment_of(order.order_id))["items"]
    assert (outbound["status"], outbound["waybill_no"]) == ("created", created[1].data["waybill_no"])
    assert "鼓楼区" in outbound["receiver"]["address"]
    async with fulfillment.engine.connect() as conn:  # the old waybill goes back to the carrier
        assert [job["kind"] for job in await jobs_for(conn, first.data["waybill_no"])] == ["cancel"]
    # Redelivered (or replayed), the change re-issues nothing.
    await fulfillment.handled(await fulfillment.publish(changed(order)))
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 2


async def test_a_change_after_the_label_is_printed_intercepts(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    order = fulfillment.order({sku: 1})
    await fulfillment.validate(order)
    [first] = await fulfillment.events(order.order_id, "shipment.created")
    await fulfillment.db.run_in_transaction(
        lambda tx: set_status(tx.conn, first.data["outbound_id"], OutboundStatus.PICKING)
    )
    await fulfillment.handled(await fulfillment.publish(changed(order)))
    [intercepted] = await fulfillment.events(order.order_id, "shipment.intercepted")
    assert "面单已打印" in intercepted.data["reason"] and intercepted.data["cause"] == "address_after_print"
    [outbound] = (await fulfillment.fulfillment_of(order.order_id))["items"]
    assert (outbound["status"], outbound["waybill_no"]) == ("intercepted", first.data["waybill_no"])
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 1


async def test_an_intercept_outcome_leaves_the_parcel_to_the_hold(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    order = fulfillment.order({sku: 1})
    await fulfillment.validate(order)
    await fulfillment.events(order.order_id, "shipment.created")
    await fulfillment.handled(await fulfillment.publish(changed(order, "intercepted")))
    [outbound] = (await fulfillment.fulfillment_of(order.order_id))["items"]
    assert outbound["status"] == "created" and "鼓楼区" not in outbound["receiver"]["address"]
    assert await fulfillment.outbox_count(order.order_id, "shipment.created") == 1


async def test_a_clearance_with_the_old_address_allocates_to_the_new_one(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    order = fulfillment.order({sku: 1})
    await fulfillment.handled(await fulfillment.publish(changed(order)))
    await fulfillment.validate(order)  # rules cleared it before it heard of the change
    [created] = await fulfillment.events(order.order_id, "shipment.created")
    assert created.data["receiver"]["city"] == "南京市"


async def test_a_change_racing_the_waybill_ends_with_one_waybill_for_the_new_address(
    fulfillment: FulfillmentEnv,
) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    order = fulfillment.order({sku: 1})
    sent = await asyncio.gather(fulfillment.validate(order), fulfillment.publish(changed(order)))
    await fulfillment.handled(*sent)
    [outbound] = (await fulfillment.fulfillment_of(order.order_id))["items"]
    assert outbound["status"] == "created" and "鼓楼区" in outbound["receiver"]["address"]
    count = await fulfillment.outbox_count(order.order_id, "shipment.created")
    created = await fulfillment.events(order.order_id, "shipment.created", count=count)
    # Either the change came first (one waybill, new address) or second (re-issued): the last
    # waybill announced is the outbound's, for the new address.
    assert count in (1, 2) and created[-1].data["waybill_no"] == outbound["waybill_no"]
    assert created[-1].data["receiver"]["city"] == "南京市"
    assert (await fulfillment.stock(sku))["reserved"] == 1


async def test_a_shipped_parcel_is_put_to_its_carrier_which_answers(fulfillment: FulfillmentEnv) -> None:
    sku = fulfillment.sku()
    await fulfillment.put_stock(sku, 2)
    order = fulfillment.order({sku: 1})
    await fulfillment.validate(order)
    [created] = await fulfillment.events(order.order_id, "shipment.created")
    assert (await fulfillment.scan_ship(created.data["waybill_no"])).status_code == 200
    request = AddressInterceptRequested(order_id=order.order_id, receiver=NEW, requested_by="cs-test")
    await fulfillment.handled(await fulfillment.publish(request))
    [answer] = await fulfillment.events(order.order_id, "shipment.address_intercept_answered")
    # The local carrier cannot re-address a parcel on its way; a real provider answers from 快递100.
    assert (answer.data["accepted"], answer.data["waybill_no"]) == (False, created.data["waybill_no"])
    assert "不支持" in answer.data["message"]

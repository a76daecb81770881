"""Returns at the warehouse: an approved return gets its waybill from the carrier provider; a
received one puts its good items back on stock and writes the damaged ones off."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fulfillment_harness import FulfillmentEnv
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import to_envelope
from orderhub_contracts.return_events import ReturnApproved, ReturnReceived
from orderhub_contracts.returns import Condition, ReceivedLine, ReturnLine
from orderhub_devstack.testing import publish_envelope

pytestmark = pytest.mark.asyncio(loop_scope="session")
CUSTOMER = Receiver(name="李四", phone="13912345678", province="浙江省", city="杭州市", detail="文一路 8 号")


def _common(order_id: str, ticket_id: str, status: str) -> dict[str, object]:
    return {
        "ticket_id": ticket_id,
        "order_id": order_id,
        "return_type": "return_refund",
        "status": status,
        "occurred_at": datetime.now(UTC),
    }


async def test_an_approved_return_gets_a_return_waybill(fulfillment: FulfillmentEnv) -> None:
    order_id, ticket_id = f"DABE{uuid.uuid4().hex[:16]}", f"RT{uuid.uuid4().hex[:8]}"
    approved = ReturnApproved(
        **_common(order_id, ticket_id, "approved"),  # type: ignore[arg-type]
        lines=(ReturnLine(sku="KETTLE", quantity=1),),
        sender=CUSTOMER,
    )
    envelope = to_envelope(approved, source="orderhub/aftersales")
    for _ in range(2):  # a redelivery: still one waybill
        await publish_envelope(fulfillment.bootstrap, envelope, topic="aftersales.v1", prefix=fulfillment.prefix)
    issued = await fulfillment.events(order_id, "return_waybill.issued")
    assert issued[0].data["ticket_id"] == ticket_id and issued[0].data["waybill_no"]
    await fulfillment.handled(envelope)
    assert await fulfillment.outbox_count(order_id, "return_waybill.issued") == 1
    refund_only = approved.model_copy(update={"ticket_id": f"RT{uuid.uuid4().hex[:8]}", "needs_waybill": False})
    await fulfillment.handled(await fulfillment.publish(refund_only))
    assert await fulfillment.outbox_count(order_id, "return_waybill.issued") == 1


async def test_good_items_go_back_to_stock_damaged_ones_are_written_off(fulfillment: FulfillmentEnv) -> None:
    good, broken = fulfillment.sku(), fulfillment.sku()
    assert (await fulfillment.put_stock(good, 5)).status_code == 200
    order_id, ticket_id = f"DABE{uuid.uuid4().hex[:16]}", f"RT{uuid.uuid4().hex[:8]}"
    received = ReturnReceived(
        **_common(order_id, ticket_id, "received"),  # type: ignore[arg-type]
        received=(
            ReceivedLine(sku=good, quantity=2),
            ReceivedLine(sku=good, quantity=1, condition=Condition.DAMAGED),
            ReceivedLine(sku=broken, quantity=1, condition=Condition.DAMAGED),
        ),
    )
    await fulfillment.handled(await fulfillment.publish(received))
    assert (await fulfillment.stock(good))["on_hand"] == 7
    missing = await fulfillment.client.get(f"/v1/stock/{broken}", headers={"Authorization": "Bearer local-warehouse"})
    assert missing.status_code == 404  # nothing of it went back on the shelf
    restocked = (await fulfillment.events(order_id, "return.restocked"))[0].data
    assert restocked["restocked"] == [{"sku": good, "quantity": 2, "condition": "good"}]
    assert {(line["sku"], line["quantity"]) for line in restocked["written_off"]} == {(good, 1), (broken, 1)}

"""The 「已发货」 SMS: a parcel scanned out at the warehouse (shipment.dispatched) sends the customer
of the placed order one SMS with the carrier and waybill. Real broker, database, recording provider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import OrderPlaced, ShipmentCreated, ShipmentDispatched
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _placed(order_id: str, phone: str) -> OrderPlaced:
    return OrderPlaced(
        order=CanonicalOrder(
            order_id=order_id,
            channel=Channel.DOUYIN,
            channel_order_no=f"DY{order_id[-10:]}",
            created_at=datetime.now(UTC),
            receiver=Receiver(name="李四", phone=phone, province="浙江省", city="杭州市", detail="文三路100号"),
            items=(LineItem(sku="KETTLE-1", title="电热水壶", quantity=1, unit_price_fen=8900),),
        )
    )


def _dispatched(order_id: str, waybill_no: str) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=order_id, waybill_no=waybill_no, carrier="LOCAL", dispatched_at=datetime.now(UTC), outbound_id="OB1"
    )


async def test_a_dispatched_parcel_sends_the_customer_the_shipped_sms(notify: NotifyEnv, events: EventFactory) -> None:
    order_id, phone = events.order_id(), events.phone()
    await notify.publish(_placed(order_id, phone))
    dispatched = await notify.publish(_dispatched(order_id, "LC000000009001"))
    await notify.publish_envelope(dispatched, ShipmentDispatched.topic)  # redelivered: still one message

    [message] = await notify.settled(order_id, 1)
    assert (message["template"], message["status"], message["channel"]) == ("shipment_dispatched", "sent", "sms")
    assert message["recipient"] == phone
    assert message["text"] == f"【订单中枢】您的订单{order_id}已发货，本地快递运单号LC000000009001，请注意查收。"


async def test_a_dispatch_of_an_unknown_order_is_recorded_as_failed(notify: NotifyEnv, events: EventFactory) -> None:
    order_id = events.order_id()
    await notify.publish(_dispatched(order_id, "LC000000009002"))
    [message] = await notify.settled(order_id, 1)
    assert (message["template"], message["status"]) == ("shipment_dispatched", "failed")


async def test_allocation_sends_no_sms_the_ship_scan_sends_the_one(notify: NotifyEnv, events: EventFactory) -> None:
    """shipment.created (stock reserved, waybill issued) is no message; the parcel leaving is."""
    order_id, phone = events.order_id(), events.phone()
    receiver = Receiver(name="李四", phone=phone, province="浙江省", city="杭州市", detail="文三路100号")
    await notify.publish(
        ShipmentCreated(
            order_id=order_id,
            outbound_id="OB1",
            carrier="LOCAL",
            waybill_no="LC000000009003",
            receiver=receiver,
            items=(),
        )
    )
    await notify.publish(events.dispatch(order_id=order_id, phone=phone, waybill_no="LC000000009003"))

    [message] = await notify.settled(order_id, 1)
    assert (message["template"], message["status"], message["recipient"]) == ("shipment_dispatched", "sent", phone)
    assert "LC000000009003" in message["text"]
    assert len(await notify.messages(order_id)) == 1, "the allocation sent nothing"

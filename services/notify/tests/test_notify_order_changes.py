"""Order changes reaching customers and staff: the cancellation SMS (once, however often the event
comes), the compensation coupon SMS of a void-and-reorder, and WeCom to customer service and the
ops manager when the budget pool could not pay for the coupon."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import CouponDrawRefused, CouponIssued, OrderCancelled, OrderPlaced
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


def placed(order_id: str, phone: str) -> OrderPlaced:
    return OrderPlaced(
        order=CanonicalOrder(
            order_id=order_id,
            channel=Channel.PHONE,
            channel_order_no=f"NO{order_id[-10:]}",
            created_at=datetime.now(UTC),
            receiver=Receiver(name="王小明", phone=phone, province="江苏省", city="苏州市", detail="宝带西路100号"),
            items=(LineItem(sku="AF-1", title="空气炸锅", quantity=1, unit_price_fen=29_900),),
        )
    )


async def test_a_cancelled_order_tells_its_customer_once(notify: NotifyEnv, events: EventFactory) -> None:
    order_id, phone = events.order_id(), events.phone()
    await notify.publish(placed(order_id, phone))
    cancelled = await notify.publish(OrderCancelled(order_id=order_id, reason="客户不要了 (cs-wang)"))
    await notify.publish_envelope(cancelled, OrderCancelled.topic)
    (message,) = await notify.settled(order_id, 1)
    assert (message["template"], message["status"]) == ("order_cancelled", "sent")
    assert (
        message["text"] == f"【订单中枢】您的订单{order_id}已取消（客户不要了 (cs-wang)）。如已付款，款项将原路退回。"
    )


async def test_the_compensation_coupon_is_announced_by_sms(notify: NotifyEnv, events: EventFactory) -> None:
    order_id, phone = events.order_id(), events.phone()
    valid_until = datetime(2027, 1, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai, still 1 January
    issued = CouponIssued(
        order_id=order_id,
        coupon_code="CPABC123",
        customer_phone=phone,
        amount_fen=500,
        pool="marketing",
        valid_until=valid_until,
    )
    await notify.publish(issued)
    (message,) = await notify.settled(order_id, 1)
    assert (message["template"], message["status"], message["channel"]) == ("coupon_issued", "sent", "sms")
    assert "¥5.00无门槛优惠券（券码CPABC123），2027-01-01前" in message["text"]
    (sent,) = await notify.recorded(str(message["message_id"]))
    assert sent["recipient"] == phone


async def test_a_refused_coupon_tells_customer_service_and_the_ops_manager(
    notify: NotifyEnv, events: EventFactory
) -> None:
    order_id = events.order_id()
    await notify.publish(CouponDrawRefused(order_id=order_id, pool="marketing", amount_fen=500, balance_fen=200))
    messages = await notify.settled(order_id, 2)
    assert {(m["template"], m["channel"]) for m in messages} == {("coupon_refused_wecom", "wecom")}
    assert all("余额¥2.00" in m["text"] for m in messages)
    assert len({m["recipient_masked"] for m in messages}) == 2


async def test_a_voided_and_reordered_order_gets_the_coupon_sms_not_a_cancellation(
    notify: NotifyEnv, events: EventFactory
) -> None:
    order_id, phone = events.order_id(), events.phone()
    await notify.publish(placed(order_id, phone))
    await notify.publish(OrderCancelled(order_id=order_id, reason="改地址作废重下", replaced_by=f"{order_id}R"))
    issued = CouponIssued(
        order_id=order_id,
        coupon_code="CPVOID1",
        customer_phone=phone,
        amount_fen=500,
        pool="marketing",
        valid_until=datetime.now(UTC),
    )
    await notify.publish(issued)
    (message,) = await notify.settled(order_id, 1)
    assert message["template"] == "coupon_issued"

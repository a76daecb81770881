"""Refunds: the customer of a placed order gets one SMS when the order is refunded, with the
amount in the order's currency; a refund of an order notify never saw placed is recorded as
failed (nobody to tell), never silently dropped. Real broker, database and recording provider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from notify.templates.variables import amount_text
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import OrderPlaced, OrderRefunded
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv


def placed(order_id: str, phone: str, *, currency: str = "CNY", price: int = 129_900) -> OrderPlaced:
    return OrderPlaced(
        order=CanonicalOrder(
            order_id=order_id,
            channel=Channel.SHOPEE if currency == "MYR" else Channel.TAOBAO,
            channel_order_no=f"NO{order_id[-10:]}",
            created_at=datetime.now(UTC),
            currency=currency,
            receiver=Receiver(name="王小明", phone=phone, province="江苏省", city="苏州市", detail="宝带西路100号"),
            items=(LineItem(sku="AF-1", title="空气炸锅", quantity=1, unit_price_fen=price),),
        )
    )


def test_amounts_are_shown_in_the_orders_currency() -> None:
    assert amount_text(129_900, "CNY") == "¥1,299.00"
    assert amount_text(3_199, "MYR") == "RM31.99"
    assert amount_text(5, "SGD") == "SGD 0.05"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_refund_sends_one_sms_to_the_orders_customer(notify: NotifyEnv, events: EventFactory) -> None:
    order_id, phone = events.order_id(), events.phone()
    await notify.publish(placed(order_id, phone))
    refund = await notify.publish(OrderRefunded(order_id=order_id, refund_fen=129_900, reason="七天无理由退货"))
    await notify.publish_envelope(refund, OrderRefunded.topic)  # redelivered: still one message

    (message,) = await notify.settled(order_id, 1)
    assert (message["template"], message["status"], message["channel"]) == ("order_refunded", "sent", "sms")
    expected = f"【订单中枢】您的订单{order_id}已退款¥1,299.00（七天无理由退货），" + "款项将原路退回，请注意查收。"
    assert message["text"] == expected
    (sent,) = await notify.recorded(str(message["message_id"]))
    assert sent["recipient"] == phone and sent["params"]["amount"] == "¥1,299.00"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_malaysian_refund_is_shown_in_ringgit(notify: NotifyEnv, events: EventFactory) -> None:
    order_id = events.order_id()
    await notify.publish(placed(order_id, events.phone(), currency="MYR", price=3_199))
    await notify.publish(OrderRefunded(order_id=order_id, refund_fen=3_199))
    (message,) = await notify.settled(order_id, 1)
    assert "已退款RM31.99（售后退款）" in message["text"]


@pytest.mark.asyncio(loop_scope="session")
async def test_a_refund_of_an_unknown_order_is_recorded_as_failed(notify: NotifyEnv, events: EventFactory) -> None:
    order_id = events.order_id()
    await notify.publish(OrderRefunded(order_id=order_id, refund_fen=100))
    (message,) = await notify.settled(order_id, 1)
    assert (message["status"], message["error_code"], message["attempts"]) == ("failed", "no_recipient", 0)

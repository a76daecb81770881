"""After-sales messages: the return waybill and a refusal reach the customer by SMS; a receipt
discrepancy reaches the warehouse lead on WeCom. Real broker, database, recording provider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import OrderPlaced
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.return_events import ReturnDiscrepancyFound, ReturnRejected, ReturnWaybillSent
from orderhub_contracts.returns import ReceivedLine

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _placed(order_id: str, phone: str) -> OrderPlaced:
    return OrderPlaced(
        order=CanonicalOrder(
            order_id=order_id,
            channel=Channel.MINIPROGRAM,
            channel_order_no=f"MP{order_id[-10:]}",
            created_at=datetime.now(UTC),
            receiver=Receiver(name="李四", phone=phone, province="浙江省", city="杭州市", detail="文三路100号"),
            items=(LineItem(sku="KETTLE-1", title="电热水壶", quantity=1, unit_price_fen=8900),),
        )
    )


def _common(order_id: str, status: str) -> dict[str, Any]:
    return {
        "ticket_id": "RT202612021200ABC123",
        "order_id": order_id,
        "return_type": "return_refund",
        "status": status,
        "occurred_at": datetime.now(UTC),
    }


async def test_the_return_waybill_goes_to_the_customer(notify: NotifyEnv, events: EventFactory) -> None:
    order_id, phone = events.order_id(), events.phone()
    await notify.publish(_placed(order_id, phone))
    await notify.publish(ReturnWaybillSent(**_common(order_id, "waybill_issued"), carrier="LOCAL", waybill_no="LC9"))
    [message] = await notify.settled(order_id, 1)
    assert (message["template"], message["status"], message["recipient"]) == ("return_waybill", "sent", phone)
    assert message["text"] == (
        f"【订单中枢】您的售后申请RT202612021200ABC123已同意，请使用本地快递退货运单号LC9寄回商品（订单号{order_id}）。"
    )


async def test_a_refusal_and_a_discrepancy(notify: NotifyEnv, events: EventFactory) -> None:
    order_id, phone = events.order_id(), events.phone()
    await notify.publish(_placed(order_id, phone))
    await notify.publish(ReturnRejected(**_common(order_id, "rejected"), note="商品已拆封使用"))
    await notify.publish(
        ReturnDiscrepancyFound(
            **_common(order_id, "discrepancy"),
            actor="本地仓管",
            received=(ReceivedLine(sku="KETTLE-1", quantity=1),),
            problems=("KETTLE-1 少 1 件",),
        )
    )
    messages = {m["template"]: m for m in await notify.settled(order_id, 2)}
    assert messages["return_rejected"]["text"].endswith(f"未通过：商品已拆封使用（订单号{order_id}）")
    wecom = messages["return_discrepancy"]
    assert (wecom["channel"], wecom["status"], wecom["recipient"]) == ("wecom", "sent", "user:warehouse-lead")
    assert "KETTLE-1 少 1 件" in wecom["text"]

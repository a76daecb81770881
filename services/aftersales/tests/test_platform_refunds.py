"""A refund made on the platform (order.refunded from a channel adapter, no ticket of ours) arrives
as a message: it becomes a closed refund-only ticket in the queue, marked with the platform's case
and status, and its refund is in the ledger as the platform's, capped at what was paid."""

from __future__ import annotations

import pytest
from aftersales_harness import CS, AftersalesEnv
from orderhub_contracts.events import OrderRefunded
from orderhub_contracts.order import Channel
from orderhub_devstack.testing import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_platform_refund_message_becomes_a_ticket_and_a_ledger_entry(aftersales: AftersalesEnv) -> None:
    sku = aftersales.sku()
    order = await aftersales.place({sku: (1, 15_900)}, buyer_id="", channel=Channel.TAOBAO)
    for refund_fen, total in ((5_000, 5_000), (20_000, 25_000)):
        refunded = OrderRefunded(
            order_id=order.order_id,
            refund_fen=refund_fen,
            reason="platform status TRADE_CLOSED",
            platform_case_no=f"taobao:{order.channel_order_no}:{total}",
            platform_status="TRADE_CLOSED",
        )
        await aftersales.publish(refunded)
    await aftersales.publish(refunded)  # the platform says it again (a refetch): the same case, nothing new

    async def tickets() -> list[dict[str, object]] | None:
        found = await aftersales.client.get("/v1/returns", params={"order": order.order_id}, headers=CS)
        body: list[dict[str, object]] = found.json()
        return body if len(body) == 2 and all(t["status"] == "closed" for t in body) else None

    found = await eventually(tickets, timeout_s=20)
    assert sorted(str(t["platform_case_no"]) for t in found) == [
        f"taobao:{order.channel_order_no}:25000",
        f"taobao:{order.channel_order_no}:5000",
    ]
    assert {t["platform_status"] for t in found} == {"TRADE_CLOSED"}
    ledger = (await aftersales.client.get("/v1/refunds", params={"order": order.order_id}, headers=CS)).json()
    assert sorted(r["amount_fen"] for r in ledger) == [5_000, 10_900]  # the second is capped at what is left
    assert {r["method"] for r in ledger} == {"platform"}
    events = [t for t, _ in await aftersales.events(order.order_id)]
    assert events.count("return.refunded") == 2 and events.count("aftersales.settled") == 2
    assert await aftersales.counting.calls_for(order.channel_order_no) == []  # nothing asked of WeChat Pay

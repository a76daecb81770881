"""After-sales on the order: every ticket transition goes on the timeline, the order is in
after_sales while a ticket is open and back to delivered after its last one, and a ticket's
refund is published as the order's order.refunded with the ticket."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from orderhub_contracts.events import (
    AfterSalesCaseClosed,
    AfterSalesCaseOpened,
    DomainEvent,
    OrderShipped,
    ShipmentDelivered,
)
from orderhub_contracts.return_events import (
    AfterSalesSettled,
    ReturnOrderCancelRequested,
    ReturnRefunded,
    ReturnRequested,
)
from orderhub_contracts.returns import ReturnLine
from orderhub_devstack.testing import eventually, publish, read_topic
from orderhub_runtime.settings import RuntimeSettings
from projection_support import CS, Body, place, shipped, validated
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def send(runtime: RuntimeSettings, *events: DomainEvent) -> None:
    for event in events:
        await publish(runtime.kafka_bootstrap_servers, event, prefix=runtime.topic_prefix)


async def view_when(client: httpx.AsyncClient, order_id: str, status: str, entries: int) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=CS)).json()
        return view if view["status"] == status and len(view["timeline"]) >= entries else None

    return await eventually(check, timeout_s=20)


async def test_a_ticket_holds_the_order_in_after_sales_and_its_refund_is_the_orders(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    oid, now = order.order_id, datetime.now(UTC)
    delivered = ShipmentDelivered(
        order_id=oid, waybill_no="W1", carrier="zhongtong", carrier_state="3", description="已签收", delivered_at=now
    )
    await send(ingest_runtime, validated(order), shipped(order), delivered)
    common: dict[str, Any] = {"ticket_id": "RT1", "order_id": oid, "return_type": "refund_only", "occurred_at": now}
    await send(
        ingest_runtime,
        ReturnRequested(**common, status="requested", note="坏了", lines=(ReturnLine(sku="SKU-1", quantity=1),)),
        AfterSalesCaseOpened(order_id=oid, case_id="RT1", kind="refund", opened_at=now),
    )
    view = await view_when(client, oid, "after_sales", 5)
    assert any("售后 RT1（仅退款）已申请: SKU-1×1" in e["summary"] for e in view["timeline"])
    await send(
        ingest_runtime,
        ReturnRefunded(**common, status="refunded", refund_fen=8_800, refund_no="RFRT1", method="wechatpay"),
        AfterSalesCaseClosed(order_id=oid, case_id="RT1", outcome="refunded", closed_at=now),
        AfterSalesSettled(order_id=oid, ticket_id="RT1"),
    )
    view = await view_when(client, oid, "delivered", 9)
    assert [h["to_status"] for h in view["status_history"]][-2:] == ["after_sales", "delivered"]
    assert any("已退款 ¥88.00" in e["summary"] for e in view["timeline"])

    def refunded(seen: list[Any]) -> list[Any]:
        return [e for e in seen if e.subject == oid and e.type == "order.refunded"]

    seen = await read_topic(
        ingest_runtime.kafka_bootstrap_servers,
        "orders.v1",
        prefix=ingest_runtime.topic_prefix,
        until=lambda s: bool(refunded(s)),
        timeout_s=20,
    )
    assert refunded(seen)[0].data["refund_fen"] == 8_800 and refunded(seen)[0].data["ticket_id"] == "RT1"


async def test_a_refund_only_request_cancels_an_unshipped_order_not_a_shipped_one(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    waiting = await place(client, ingest_engine, order_body())
    gone = await place(client, ingest_engine, order_body())
    now = datetime.now(UTC)
    await send(ingest_runtime, validated(waiting), validated(gone), shipped(gone))
    await send(ingest_runtime, OrderShipped(order_id=gone.order_id, waybill_nos=("W2",), shipped_at=now))
    await view_when(client, gone.order_id, "shipped", 4)
    for order in (waiting, gone):
        common = {"ticket_id": f"RT-{order.order_id}", "order_id": order.order_id, "return_type": "refund_only"}
        await send(ingest_runtime, ReturnOrderCancelRequested(**common, status="requested", occurred_at=now))
    view = await view_when(client, waiting.order_id, "cancelled", 3)
    assert any("申请取消订单" in e["summary"] for e in view["timeline"])
    shipped_view = await view_when(client, gone.order_id, "shipped", 5)
    assert shipped_view["transition_rejections"], "a shipped order is not cancelled: refused and recorded"

    def cancelled(seen: list[Any]) -> list[str]:
        return [
            e.subject for e in seen if e.type == "order.cancelled" and e.subject in (waiting.order_id, gone.order_id)
        ]

    seen = await read_topic(
        ingest_runtime.kafka_bootstrap_servers,
        "orders.v1",
        prefix=ingest_runtime.topic_prefix,
        until=lambda s: bool(cancelled(s)),
        timeout_s=20,
    )
    assert cancelled(seen) == [waiting.order_id]

"""Tracking events from fulfillment: each checkpoint goes on the timeline, the latest one (by the
carrier's time) is what the order view shows, delivery moves the order to delivered and
completion to completed; an exception stays on the timeline for customer service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from orderhub_contracts.events import (
    DomainEvent,
    OrderCompleted,
    ShipmentDelivered,
    ShipmentException,
    TrackingUpdated,
)
from orderhub_devstack.testing import eventually, publish
from orderhub_runtime.settings import RuntimeSettings
from projection_support import CS, Body, place, shipped, validated
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")
T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


async def send(runtime: RuntimeSettings, *events: DomainEvent) -> None:
    for event in events:
        await publish(runtime.kafka_bootstrap_servers, event, prefix=runtime.topic_prefix)


async def view_when(client: httpx.AsyncClient, order_id: str, entries: int) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=CS)).json()
        return view if len(view["timeline"]) >= entries else None

    return await eventually(check, timeout_s=20)


def update(order_id: str, status: str, text: str, at: datetime) -> TrackingUpdated:
    return TrackingUpdated(
        order_id=order_id, waybill_no="78000000000001", status=status, description=text, occurred_at=at
    )


async def test_delivery_then_completion_with_the_latest_checkpoint_shown(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    oid = order.order_id
    await send(ingest_runtime, validated(order), shipped(order))
    await send(ingest_runtime, update(oid, "in_transit", "快件已揽收，揽收员 13800000000", T0))
    await send(ingest_runtime, update(oid, "in_transit", "正在派件", T0 + timedelta(hours=20)))
    view = await view_when(client, oid, 5)
    assert view["status"] == "allocated"  # checkpoints alone move nothing
    assert view["tracking"]["description"] == "正在派件" and view["tracking"]["status_label"] == "运输中"
    assert "138****0000" in view["timeline"][3]["summary"]
    await send(
        ingest_runtime,
        update(oid, "delivered", "已签收，签收人：本人", T0 + timedelta(hours=22)),
        ShipmentDelivered(
            order_id=oid,
            waybill_no="78000000000001",
            carrier="zhongtong",
            carrier_state="3",
            description="已签收，签收人：本人",
            delivered_at=T0 + timedelta(hours=22),
        ),
    )
    view = await view_when(client, oid, 7)
    assert view["status"] == "delivered"
    assert view["tracking"]["status"] == "delivered" and view["tracking"]["description"] == "已签收，签收人：本人"
    assert [h["to_status"] for h in view["status_history"]][-2:] == ["shipped", "delivered"]  # shipped implied
    await send(
        ingest_runtime,
        OrderCompleted(order_id=oid, delivered_at=T0 + timedelta(hours=22), completed_at=T0 + timedelta(days=8)),
    )
    view = await view_when(client, oid, 8)
    assert view["status"] == "completed"
    assert view["timeline"][-1]["summary"].startswith("交易完成")


async def test_a_late_checkpoint_does_not_replace_the_newest(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    oid = order.order_id
    await send(ingest_runtime, validated(order), shipped(order))
    await send(ingest_runtime, update(oid, "in_transit", "正在派件", T0 + timedelta(hours=20)))
    await send(ingest_runtime, update(oid, "in_transit", "已揽收", T0))
    view = await view_when(client, oid, 5)
    assert view["tracking"]["description"] == "正在派件"


async def test_an_exception_goes_on_the_timeline(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    oid = order.order_id
    await send(ingest_runtime, validated(order), shipped(order))
    await send(
        ingest_runtime,
        ShipmentException(
            order_id=oid,
            waybill_no="78000000000001",
            carrier="zhongtong",
            carrier_state="6",
            kind="returned",
            description="快件已退回",
            occurred_at=T0,
        ),
    )
    view = await view_when(client, oid, 4)
    assert view["status"] == "allocated"
    assert view["timeline"][-1]["summary"].startswith("物流异常 (快递退回)")
    assert view["tracking"]["status"] == "returned" and view["tracking"]["status_label"] == "已退回"

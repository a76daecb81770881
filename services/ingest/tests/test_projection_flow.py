"""The status projection: downstream events, published to the real broker, move the order and
fill its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from ingest.tables import orders, transition_rejections
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import (
    AnomalyAction,
    AnomalyRaised,
    DomainEvent,
    NotificationSent,
    OrderHeld,
    to_envelope,
)
from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.topics import dead_letter_topic
from orderhub_devstack.testing import eventually, publish, publish_envelope, read_topic
from orderhub_runtime.settings import RuntimeSettings
from projection_support import CS, Body, place, shipped, validated
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")


def sms(order: CanonicalOrder) -> NotificationSent:
    return NotificationSent(
        message_id=f"m-{order.order_id}",
        order_id=order.order_id,
        channel="sms",
        template="order_shipped",
        recipient_masked=order.receiver.masked_phone,
        text=f"您的订单{order.order_id}已发货, 顺丰运单号 SF{order.order_id[-9:]}",
        provider="fake",
    )


def held(order: CanonicalOrder) -> tuple[AnomalyRaised, OrderHeld]:
    anomaly = AnomalyRaised(
        anomaly_id=f"a-{order.order_id}",
        order_id=order.order_id,
        rule_id="R06",
        rule_name="收货信息缺失",
        level=3,
        holds=True,
        evidence={"missing": ["phone"]},
        actions=(AnomalyAction(kind="hold"), AnomalyAction(kind="wecom", target="regional_manager")),
    )
    return anomaly, OrderHeld(order_id=order.order_id, rule_ids=("R06",), reasons=("收货信息缺失: phone",))


async def send(runtime: RuntimeSettings, *events: DomainEvent) -> None:
    for event in events:
        await publish(runtime.kafka_bootstrap_servers, event, prefix=runtime.topic_prefix)


async def view_when(client: httpx.AsyncClient, order_id: str, entries: int) -> dict[str, Any]:
    """The order view once its timeline holds `entries` entries."""

    async def check() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/v1/orders/{order_id}", headers=CS)).json()
        return view if len(view["timeline"]) >= entries else None

    return await eventually(check, timeout_s=20)


async def test_clean_order_goes_created_validated_allocated(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    await send(ingest_runtime, validated(order), shipped(order), sms(order))
    view = await view_when(client, order.order_id, 4)
    assert view["status"] == "allocated"
    assert [t["event_type"] for t in view["timeline"]] == [
        "order.placed",
        "order.validated",
        "shipment.created",
        "notification.sent",
    ]
    summaries = [t["summary"] for t in view["timeline"]]
    assert summaries[1] == "校验通过 (规则集版本 3)"
    assert f"顺丰速运 运单号 SF{order.order_id[-9:]}" in summaries[2]  # the carrier by its name
    assert summaries[3].startswith(f"短信已发送: 您的订单{order.order_id}已发货")
    assert view["timeline"][2]["data"]["waybill_no"] == f"SF{order.order_id[-9:]}"
    assert view["timeline"][3]["data"]["recipient"] == "138****5678"
    assert [(h["from_status"], h["to_status"], h["implied"]) for h in view["status_history"]] == [
        (None, "created", False),
        ("created", "validated", False),
        ("validated", "allocated", False),
    ]


async def test_shipment_before_clearance_still_ends_allocated(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    await send(ingest_runtime, shipped(order))
    await view_when(client, order.order_id, 2)
    await send(ingest_runtime, validated(order))
    view = await view_when(client, order.order_id, 3)
    assert view["status"] == "allocated"
    assert [(t["event_type"], t["outcome"]) for t in view["timeline"]] == [
        ("order.placed", "applied"),
        ("shipment.created", "applied"),
        ("order.validated", "late"),
    ]
    assert [(h["to_status"], h["implied"]) for h in view["status_history"]] == [
        ("created", False),
        ("validated", True),
        ("allocated", False),
    ]
    assert view["transition_rejections"] == []


async def test_held_order_stays_on_hold(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body(receiver={"name": "王五", "phone": ""}))
    await send(ingest_runtime, *held(order))
    view = await view_when(client, order.order_id, 3)
    assert view["status"] == "on_hold"
    anomaly = view["timeline"][1]
    assert anomaly["event_type"] == "anomaly.raised" and anomaly["outcome"] == "info"
    assert (anomaly["data"]["rule_id"], anomaly["data"]["level"]) == ("R06", 3)
    assert anomaly["summary"] == "异常 R06 收货信息缺失 (级别 3 拦截, 订单暂停)"
    assert view["timeline"][2]["summary"] == "订单暂停: 收货信息缺失: phone"


async def test_shipment_from_before_the_hold_does_not_release_it(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    await send(ingest_runtime, validated(order))
    await view_when(client, order.order_id, 2)
    await send(ingest_runtime, held(order)[1])
    before = await view_when(client, order.order_id, 3)
    cleared, hold = (datetime.fromisoformat(t["occurred_at"]) for t in before["timeline"][1:3])
    # Shipped after the clearance but before the hold; its event reaches ingest only now.
    stale = to_envelope(shipped(order), source="orderhub/fulfillment")
    stale = stale.model_copy(update={"time": cleared + (hold - cleared) / 2})
    await publish_envelope(
        ingest_runtime.kafka_bootstrap_servers, stale, topic="fulfillment.v1", prefix=ingest_runtime.topic_prefix
    )
    view = await view_when(client, order.order_id, 4)
    assert view["status"] == "on_hold"
    assert [(t["event_type"], t["outcome"]) for t in view["timeline"]] == [  # ordered by when it happened
        ("order.placed", "applied"),
        ("order.validated", "applied"),
        ("shipment.created", "late"),
        ("order.held", "applied"),
    ]


async def test_illegal_transition_is_recorded_never_applied(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    # No cancellation event exists yet; put the order where a shipment is not allowed.
    async with ingest_engine.begin() as conn:
        await conn.execute(update(orders).where(orders.c.order_id == order.order_id).values(status="cancelled"))
    await send(ingest_runtime, shipped(order))
    view = await view_when(client, order.order_id, 2)
    assert view["status"] == "cancelled"
    assert view["timeline"][1]["outcome"] == "rejected" and view["timeline"][1]["status_to"] is None
    assert [(r["from_status"], r["to_status"], r["event_type"]) for r in view["transition_rejections"]] == [
        ("cancelled", "allocated", "shipment.created")
    ]
    async with ingest_engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(transition_rejections)
            .where(transition_rejections.c.order_id == order.order_id)
        )
    assert count == 1


async def test_redelivered_event_is_projected_once(
    client: httpx.AsyncClient, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings, order_body: Body
) -> None:
    order = await place(client, ingest_engine, order_body())
    envelope = to_envelope(validated(order), source="orderhub/rules")
    for _ in range(2):
        await publish_envelope(
            ingest_runtime.kafka_bootstrap_servers, envelope, topic="anomalies.v1", prefix=ingest_runtime.topic_prefix
        )
    # A later event on the same partition (same topic, same key): once it shows, both copies were consumed.
    remark = AnomalyRaised(
        anomaly_id=f"r12-{order.order_id}",
        order_id=order.order_id,
        rule_id="R12",
        rule_name="备注需关注",
        level=1,
        holds=False,
        evidence={"buyer_remark": "周末送货"},
    )
    await send(ingest_runtime, remark)
    view = await view_when(client, order.order_id, 3)
    assert [t["event_type"] for t in view["timeline"]] == ["order.placed", "order.validated", "anomaly.raised"]
    assert view["status"] == "validated"


async def test_event_for_an_unknown_order_is_dead_lettered(
    ingest_runtime: RuntimeSettings, client: httpx.AsyncClient
) -> None:
    unknown = "DABE209901010000ZZZZZ"
    event = OrderHeld(order_id=unknown, rule_ids=("R03",), reasons=("电话无效",))
    sent: Envelope = await publish(ingest_runtime.kafka_bootstrap_servers, event, prefix=ingest_runtime.topic_prefix)
    dead = await read_topic(
        ingest_runtime.kafka_bootstrap_servers,
        dead_letter_topic("ingest"),
        prefix=ingest_runtime.topic_prefix,
        until=lambda es: any(e.id == sent.id for e in es),
        timeout_s=20,
    )
    assert any(e.id == sent.id and e.subject == unknown for e in dead)

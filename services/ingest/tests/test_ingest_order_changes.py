"""Order changes on the real database and broker: the address freeze window at its edges (14:59
and 15:01 after creation), intercepts once the label is printed, void-and-reorder linked both ways,
platform orders never reordered, cancellations at every state (staff, anomaly queue), and the
refusals after shipping and delivery."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from ingest.changes import service
from ingest.changes.model import AddressNotChangeable, AddressOutcome, ChangeAddress
from ingest.channels.base import ChannelOrder
from ingest.channels.service import ingest_platform_order
from ingest.orders.model import PlaceOrder
from ingest.orders.repository import set_status
from ingest.tables import messaging, order_timeline, orders
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import (
    AddressInterceptAnswered,
    AnomalyResolved,
    OutboundStatusChanged,
    ShipmentDispatched,
)
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.state_machine import OrderStatus
from orderhub_devstack.testing import eventually, publish, read_topic
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")
CS = {"Authorization": "Bearer local-cs"}
WINDOW = timedelta(minutes=15)
NEW = Receiver(
    name="李四", phone="13900001111", province="江苏省", city="南京市", district="鼓楼区", detail="中山路 1 号"
)
Body = Callable[..., dict[str, Any]]


@pytest_asyncio.fixture(loop_scope="session")
async def db(ingest_engine: AsyncEngine) -> Database:
    return Database(ingest_engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)


async def placed(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[str, datetime]:
    response = await client.post("/v1/orders", json=body, headers=CS)
    assert response.status_code == 201, response.text
    return response.json()["order_id"], datetime.fromisoformat(body["created_at"])


def created_ago(order_body: Body, ago: timedelta, **overrides: Any) -> dict[str, Any]:
    created = datetime.now(UTC).replace(microsecond=0) - ago
    return order_body(created_at=created.isoformat(), paid_at=created.isoformat(), **overrides)


async def status_of(engine: AsyncEngine, order_id: str) -> str:
    async with engine.connect() as conn:
        return str(await conn.scalar(select(orders.c.status).where(orders.c.order_id == order_id)))


async def timeline(engine: AsyncEngine, order_id: str) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(order_timeline.c.event_type, order_timeline.c.summary)
            .where(order_timeline.c.order_id == order_id)
            .order_by(order_timeline.c.id)
        )
        return [(r.event_type, r.summary) for r in rows]


def change(order_id: str, created: datetime, after: timedelta) -> ChangeAddress:
    return ChangeAddress(order_id, NEW, "客户搬家", "cs-test", created + after)


async def test_within_the_window_the_address_is_changed(
    client: httpx.AsyncClient, order_body: Body, db: Database, ingest_engine: AsyncEngine
) -> None:
    order_id, created = await placed(client, order_body())
    result = await db.run_in_transaction(
        lambda tx: service.change_address(
            tx, change(order_id, created, timedelta(minutes=14, seconds=59)), freeze_window=WINDOW
        )
    )
    assert result.outcome is AddressOutcome.CHANGED and result.new_order_id == ""
    async with ingest_engine.connect() as conn:
        row = (await conn.execute(select(orders).where(orders.c.order_id == order_id))).mappings().one()
    assert (row["receiver_name"], row["receiver_city"]) == ("李四", "南京市")
    assert any(t == "order.address_changed" and "已直接改址" in s for t, s in await timeline(ingest_engine, order_id))


async def test_after_the_window_the_order_is_voided_and_placed_again(
    client: httpx.AsyncClient,
    order_body: Body,
    db: Database,
    ingest_engine: AsyncEngine,
    ingest_runtime: RuntimeSettings,
) -> None:
    order_id, created = await placed(client, order_body())
    result = await db.run_in_transaction(
        lambda tx: service.change_address(
            tx, change(order_id, created, timedelta(minutes=15, seconds=1)), freeze_window=WINDOW
        )
    )
    assert result.outcome is AddressOutcome.REORDERED and result.new_order_id not in ("", order_id)
    new_id = result.new_order_id
    assert await status_of(ingest_engine, order_id) == "cancelled"
    assert await status_of(ingest_engine, new_id) == "created"
    async with ingest_engine.connect() as conn:
        new_row = (await conn.execute(select(orders).where(orders.c.order_id == new_id))).mappings().one()
    assert (new_row["receiver_name"], new_row["paid_at"] is not None) == ("李四", True)
    assert any(new_id in s for t, s in await timeline(ingest_engine, order_id) if t == "order.reordered")
    assert any(order_id in s for t, s in await timeline(ingest_engine, new_id) if t == "order.reordered")
    seen = await read_topic(
        ingest_runtime.kafka_bootstrap_servers,
        "orders.v1",
        prefix=ingest_runtime.topic_prefix,
        until=lambda got: any(e.subject == order_id and e.type == "order.reordered" for e in got),
    )
    reordered = [e for e in seen if e.subject == order_id and e.type == "order.reordered"]
    assert len(reordered) == 1 and reordered[0].data["new_order_id"] == new_id
    assert [e.type for e in seen if e.subject == order_id][-2:] == ["order.cancelled", "order.reordered"]
    cancelled = next(e for e in seen if e.subject == order_id and e.type == "order.cancelled")
    assert cancelled.data["replaced_by"] == new_id
    # Asked again, the voided order refuses: it is cancelled, the new one is the one to change.
    with pytest.raises(AddressNotChangeable):
        await db.run_in_transaction(
            lambda tx: service.change_address(
                tx, change(order_id, created, timedelta(minutes=16)), freeze_window=WINDOW
            )
        )


async def test_a_printed_label_means_an_intercept(
    client: httpx.AsyncClient,
    order_body: Body,
    db: Database,
    ingest_engine: AsyncEngine,
    ingest_runtime: RuntimeSettings,
) -> None:
    order_id, created = await placed(client, order_body())
    printed = OutboundStatusChanged(
        order_id=order_id, outbound_id=f"OB-{order_id}", status="picking", at=datetime.now(UTC)
    )
    await publish(ingest_runtime.kafka_bootstrap_servers, printed, prefix=ingest_runtime.topic_prefix)

    async def recorded() -> bool:
        async with ingest_engine.connect() as conn:
            found = await conn.scalar(select(orders.c.label_printed_at).where(orders.c.order_id == order_id))
        return found is not None

    await eventually(recorded)
    result = await db.run_in_transaction(
        lambda tx: service.change_address(tx, change(order_id, created, timedelta(minutes=1)), freeze_window=WINDOW)
    )
    assert result.outcome is AddressOutcome.INTERCEPTED
    assert any("拦截" in s for t, s in await timeline(ingest_engine, order_id) if t == "order.address_changed")


async def test_a_platform_order_is_intercepted_never_reordered(
    client: httpx.AsyncClient, order_body: Body, db: Database
) -> None:
    body = order_body(channel="taobao", channel_order_no=f"TB{uuid.uuid4().int % 10**15:015d}")
    order_id, created = await placed(client, body)
    result = await db.run_in_transaction(
        lambda tx: service.change_address(tx, change(order_id, created, timedelta(hours=2)), freeze_window=WINDOW)
    )
    assert result.outcome is AddressOutcome.INTERCEPTED and result.new_order_id == ""


@pytest.mark.parametrize(
    ("status", "code"),
    [(OrderStatus.SHIPPED, "address_not_changeable"), (OrderStatus.DELIVERED, "address_not_changeable")],
)
async def test_shipped_and_delivered_orders_refuse_the_change_saying_why(
    client: httpx.AsyncClient, order_body: Body, db: Database, status: OrderStatus, code: str
) -> None:
    order_id, _ = await placed(client, order_body())
    await db.run_in_transaction(lambda tx: set_status(tx.conn, order_id, status, since=datetime.now(UTC)))
    body = {"receiver": NEW.model_dump(), "reason": "客户搬家"}
    response = await client.post(f"/v1/orders/{order_id}/address", json=body, headers=CS)
    assert response.status_code == 409 and response.json()["error"]["code"] == code
    assert "退货" in response.json()["error"]["message"]


async def test_the_address_route_answers_what_happened(client: httpx.AsyncClient, order_body: Body) -> None:
    order_id, _ = await placed(client, created_ago(order_body, timedelta(minutes=1)))
    body = {"receiver": NEW.model_dump(), "reason": "客户搬家"}
    response = await client.post(f"/v1/orders/{order_id}/address", json=body, headers=CS)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "changed"
    late_id, _ = await placed(client, created_ago(order_body, timedelta(minutes=20)))
    late = await client.post(f"/v1/orders/{late_id}/address", json=body, headers=CS)
    assert late.status_code == 200 and late.json()["outcome"] == "reordered" and late.json()["new_order_id"]
    warehouse = {"Authorization": "Bearer local-warehouse"}
    assert (await client.post(f"/v1/orders/{order_id}/address", json=body, headers=warehouse)).status_code == 403


@pytest.mark.parametrize(
    "status", [OrderStatus.CREATED, OrderStatus.VALIDATED, OrderStatus.ON_HOLD, OrderStatus.ALLOCATED]
)
async def test_a_cancel_before_shipping_cancels(
    client: httpx.AsyncClient, order_body: Body, db: Database, ingest_engine: AsyncEngine, status: OrderStatus
) -> None:
    order_id, _ = await placed(client, order_body())
    if status is not OrderStatus.CREATED:
        await db.run_in_transaction(lambda tx: set_status(tx.conn, order_id, status, since=datetime.now(UTC)))
    response = await client.post(f"/v1/orders/{order_id}/cancel", json={"reason": "客户不要了"}, headers=CS)
    assert response.status_code == 200, response.text
    assert response.json() == {"order_id": order_id, "status": "cancelled", "already_cancelled": False}
    assert await status_of(ingest_engine, order_id) == "cancelled"
    again = await client.post(f"/v1/orders/{order_id}/cancel", json={"reason": "再点一次"}, headers=CS)
    assert again.status_code == 200 and again.json()["already_cancelled"] is True
    events = [t for t, _ in await timeline(ingest_engine, order_id)]
    assert events.count("order.cancelled") == 1


@pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED])
async def test_a_cancel_after_shipping_is_refused_as_a_return(
    client: httpx.AsyncClient, order_body: Body, db: Database, ingest_engine: AsyncEngine, status: OrderStatus
) -> None:
    order_id, _ = await placed(client, order_body())
    await db.run_in_transaction(lambda tx: set_status(tx.conn, order_id, status, since=datetime.now(UTC)))
    response = await client.post(f"/v1/orders/{order_id}/cancel", json={"reason": "客户不要了"}, headers=CS)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_cancellable"
    assert "退货" in response.json()["error"]["message"]
    assert await status_of(ingest_engine, order_id) == status.value
    missing = await client.post("/v1/orders/DABE000000000000NOPE/cancel", json={"reason": "x"}, headers=CS)
    assert missing.status_code == 404


async def test_cancelling_the_anomaly_in_the_queue_cancels_the_order(
    client: httpx.AsyncClient,
    order_body: Body,
    db: Database,
    ingest_engine: AsyncEngine,
    ingest_runtime: RuntimeSettings,
) -> None:
    order_id, _ = await placed(client, order_body())
    await db.run_in_transaction(lambda tx: set_status(tx.conn, order_id, OrderStatus.ON_HOLD, since=datetime.now(UTC)))
    resolved = AnomalyResolved(
        anomaly_id=str(uuid.uuid4()),
        order_id=order_id,
        rule_id="R10",
        resolution="cancelled",
        resolved_by="cs-wang",
        order_still_held=False,
    )
    await publish(ingest_runtime.kafka_bootstrap_servers, resolved, prefix=ingest_runtime.topic_prefix)

    async def cancelled() -> bool:
        return await status_of(ingest_engine, order_id) == "cancelled"

    await eventually(cancelled)
    seen = await read_topic(
        ingest_runtime.kafka_bootstrap_servers,
        "orders.v1",
        prefix=ingest_runtime.topic_prefix,
        until=lambda got: any(e.subject == order_id and e.type == "order.cancelled" for e in got),
    )
    assert [e.type for e in seen if e.subject == order_id] == ["order.placed", "order.cancelled"]


async def test_two_changes_at_once_reorder_once(client: httpx.AsyncClient, order_body: Body) -> None:
    """A double click after the window: exactly one void-and-reorder wins, the other is refused
    (the order it would change is already voided); nothing is half-applied."""
    order_id, _ = await placed(client, created_ago(order_body, timedelta(minutes=30)))
    body = {"receiver": NEW.model_dump(), "reason": "客户搬家"}
    answers = await asyncio.gather(
        *(client.post(f"/v1/orders/{order_id}/address", json=body, headers=CS) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    winner = next(a for a in answers if a.status_code == 200).json()
    assert winner["outcome"] == "reordered"
    search = await client.get(f"/v1/orders/{winner['new_order_id']}", headers=CS)
    assert search.status_code == 200 and search.json()["status"] == "created"


@pytest.mark.parametrize(("age", "outcome"), [(timedelta(minutes=5), "changed"), (timedelta(hours=2), "intercepted")])
async def test_a_platform_address_change_goes_through_the_same_decision(
    db: Database, ingest_engine: AsyncEngine, age: timedelta, outcome: str
) -> None:
    created = datetime.now(UTC).replace(microsecond=0) - age
    command = PlaceOrder(
        channel=Channel.PINDUODUO,
        channel_order_no=f"PDD{uuid.uuid4().int % 10**15:015d}",
        created_at=created,
        paid_at=created,
        receiver=Receiver(name="王五", phone="13700002222", province="浙江省", city="杭州市", detail="文一路 9 号"),
        items=(LineItem(sku="KET-17", title="电热水壶", quantity=1, unit_price_fen=8900),),
    )
    first = ChannelOrder(command, "1", created)
    moved = ChannelOrder(dataclasses.replace(command, receiver=NEW), "1", created + age)
    placed_result = await db.run_in_transaction(lambda tx: ingest_platform_order(tx, first, "test"))
    await db.run_in_transaction(lambda tx: ingest_platform_order(tx, moved, "test", freeze_window=WINDOW))
    async with ingest_engine.connect() as conn:
        data = await conn.scalar(
            select(order_timeline.c.data).where(
                order_timeline.c.order_id == placed_result.order_id,
                order_timeline.c.event_type == "order.address_changed",
            )
        )
    assert data["outcome"] == outcome and data["changed_by"] == "platform"


async def test_a_shipped_parcel_is_re_addressed_by_a_carrier_that_allows_it(
    client: httpx.AsyncClient,
    order_body: Body,
    db: Database,
    ingest_engine: AsyncEngine,
    ingest_runtime: RuntimeSettings,
) -> None:
    order_id, created = await placed(client, order_body())
    dispatched = ShipmentDispatched(
        order_id=order_id, waybill_no="ZT0000000001", carrier="ZTO", dispatched_at=datetime.now(UTC)
    )
    await publish(ingest_runtime.kafka_bootstrap_servers, dispatched, prefix=ingest_runtime.topic_prefix)

    async def on_timeline() -> bool:
        return any(t == "shipment.dispatched" for t, _ in await timeline(ingest_engine, order_id))

    await eventually(on_timeline)
    await db.run_in_transaction(lambda tx: set_status(tx.conn, order_id, OrderStatus.SHIPPED, since=datetime.now(UTC)))
    late = change(order_id, created, timedelta(hours=3))
    with pytest.raises(AddressNotChangeable, match="ZTO 不支持拦截改址"):
        await db.run_in_transaction(lambda tx: service.change_address(tx, late, freeze_window=WINDOW))
    result = await db.run_in_transaction(
        lambda tx: service.change_address(tx, late, freeze_window=WINDOW, intercept_carriers=("zto",))
    )
    assert result.outcome is AddressOutcome.CARRIER_INTERCEPT
    for accepted in (False, True):  # the carrier's answer arrives later and is shown
        answer = AddressInterceptAnswered(
            order_id=order_id, waybill_no="ZT0000000001", carrier="ZTO", accepted=accepted, receiver=NEW, message="回调"
        )
        await publish(ingest_runtime.kafka_bootstrap_servers, answer, prefix=ingest_runtime.topic_prefix)

    async def re_addressed() -> bool:
        async with ingest_engine.connect() as conn:
            name = await conn.scalar(select(orders.c.receiver_name).where(orders.c.order_id == order_id))
        return name == "李四"

    await eventually(re_addressed)
    summaries = [s for t, s in await timeline(ingest_engine, order_id)]
    assert any("申请拦截改址" in s for s in summaries)
    assert any("拦截改址未受理" in s for s in summaries) and any("拦截改址已受理" in s for s in summaries)
    assert await status_of(ingest_engine, order_id) == "shipped"

"""Aftersales keeps what a return ticket needs of every order, from orders.v1 and fulfillment.v1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from aftersales.main import create_app
from aftersales.settings import AftersalesSettings
from aiokafka import AIOKafkaProducer
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import encode
from orderhub_contracts.events import DomainEvent, OrderPlaced, ShipmentCreated, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.topics import resolve_topic
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, publish, running_app
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from pydantic import SecretStr

pytestmark = pytest.mark.asyncio(loop_scope="session")
CS = {"Authorization": "Bearer local-cs"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(orderhub_stack: StackInfo) -> AsyncIterator[tuple[httpx.AsyncClient, RuntimeSettings]]:
    url = orderhub_stack.service_database_urls["aftersales"]
    await asyncio.to_thread(upgrade_head, "aftersales", url)
    runtime = RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
        topic_prefix=f"{orderhub_stack.topic_prefix}as{uuid.uuid4().hex[:6]}.",
    )
    app = create_app(AftersalesSettings(database_url=SecretStr(url)), runtime)
    async with running_app(app) as client:
        yield client, runtime


def _order(order_id: str) -> CanonicalOrder:
    return CanonicalOrder(
        order_id=order_id,
        channel=Channel.PINDUODUO,
        channel_order_no=f"PDD{order_id[-8:]}",
        created_at=datetime.now(UTC),
        receiver=Receiver(name="赵六", phone="13700001111", province="浙江省", city="杭州市", detail="文三路1号"),
        items=(LineItem(sku="KETTLE-2", title="电热水壶", quantity=1, unit_price_fen=8900),),
    )


async def test_order_reference_follows_the_order_and_its_waybill(
    service: tuple[httpx.AsyncClient, RuntimeSettings],
) -> None:
    client, runtime = service
    order = _order(f"DABE{uuid.uuid4().hex[:12]}")
    placed = OrderPlaced(order=order)
    for _ in range(2):  # a redelivered event changes nothing
        await publish(runtime.kafka_bootstrap_servers, placed, prefix=runtime.topic_prefix)
    await publish(
        runtime.kafka_bootstrap_servers,
        ShipmentCreated(
            order_id=order.order_id,
            outbound_id="OB-1",
            carrier="LOCAL",
            waybill_no="LC000000000042",
            receiver=order.receiver,
            items=order.items,
        ),
        prefix=runtime.topic_prefix,
    )

    async def with_waybill() -> dict[str, object] | None:
        response = await client.get(f"/v1/order-refs/{order.order_id}", headers=CS)
        body: dict[str, object] = response.json()
        return body if response.status_code == 200 and body.get("waybill_no") else None

    ref = await eventually(with_waybill)
    assert ref["waybill_no"] == "LC000000000042"
    assert ref["receiver_phone"] == "137****1111"
    assert ref["channel"] == "pinduoduo"
    assert [item["sku"] for item in ref["items"]] == ["KETTLE-2"]  # type: ignore[attr-defined]


async def test_unknown_order_and_missing_token(service: tuple[httpx.AsyncClient, RuntimeSettings]) -> None:
    client, _ = service
    missing = await client.get("/v1/order-refs/DABE000000000000XXXXX", headers=CS)
    assert missing.status_code == 404
    assert "not known" in missing.json()["error"]["message"]
    assert (await client.get("/v1/order-refs/DABE000000000000XXXXX")).status_code == 401


async def test_a_burst_of_placements_and_shipments_lands_whole(
    service: tuple[httpx.AsyncClient, RuntimeSettings],
) -> None:
    """Sent without pauses, so they tend to share consumer batches and reach the batch handlers
    as runs; an order shipped twice keeps its last waybill, as one by one."""
    client, runtime = service
    orders = [_order(f"DABE{uuid.uuid4().hex[:12]}") for _ in range(6)]
    producer = AIOKafkaProducer(bootstrap_servers=runtime.kafka_bootstrap_servers)
    await producer.start()
    try:
        events: list[DomainEvent] = [OrderPlaced(order=o) for o in orders]
        events += [_shipment(o, f"LC{i:012d}") for i, o in enumerate(orders)]
        events.append(_shipment(orders[0], "LC999999999999"))
        for event in events:
            record = encode(to_envelope(event, source="test"))
            topic = resolve_topic(event.topic.value, runtime.topic_prefix)
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()

    async def waybills() -> list[object] | None:
        found = []
        for order in orders:
            response = await client.get(f"/v1/order-refs/{order.order_id}", headers=CS)
            found.append(response.json().get("waybill_no") if response.status_code == 200 else None)
        return found if found[0] == "LC999999999999" and all(found) else None

    assert await eventually(waybills) == ["LC999999999999", *(f"LC{i:012d}" for i in range(1, 6))]


def _shipment(order: CanonicalOrder, waybill_no: str) -> ShipmentCreated:
    return ShipmentCreated(
        order_id=order.order_id,
        outbound_id=f"OB-{waybill_no}",
        carrier="LOCAL",
        waybill_no=waybill_no,
        receiver=order.receiver,
        items=order.items,
    )

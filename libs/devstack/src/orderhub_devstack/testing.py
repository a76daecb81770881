"""Helpers for tests that talk to the real broker and database: publish an event the way a
service would, collect what a topic carries, wait for an effect, run a service app in-process."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from orderhub_contracts.envelope import Envelope, InvalidEnvelope, decode, encode
from orderhub_contracts.events import DomainEvent, to_envelope
from orderhub_contracts.topics import resolve_topic

T = TypeVar("T")


async def publish(bootstrap: str, event: DomainEvent, *, prefix: str = "", source: str = "orderhub/test") -> Envelope:
    """Publish one event as a service's relay would (binary-mode CloudEvent, key = order ID)."""
    envelope = to_envelope(event, source=source, correlation_id=f"test-{uuid.uuid4().hex[:8]}")
    await publish_envelope(bootstrap, envelope, topic=event.topic.value, prefix=prefix)
    return envelope


async def publish_envelope(bootstrap: str, envelope: Envelope, *, topic: str, prefix: str = "") -> None:
    record = encode(envelope)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(resolve_topic(topic, prefix), record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    prefix: str = "",
    until: Callable[[list[Envelope]], bool] | None = None,
    timeout_s: float = 15.0,
) -> list[Envelope]:
    """Every CloudEvent on a topic from the beginning (no consumer group), read until `until`
    holds or the timeout passes. Records that are not CloudEvents are skipped."""
    physical = resolve_topic(topic, prefix)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50)
    await consumer.start()
    seen: list[Envelope] = []
    try:
        partitions = consumer.partitions_for_topic(physical) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(physical) or set()
        tps = [TopicPartition(physical, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    with contextlib.suppress(InvalidEnvelope):  # e.g. a dead-lettered malformed record
                        seen.append(decode(r.key, r.value, list(r.headers or [])))
            if until is not None and until(seen):
                break
            if until is None and not batch:
                break
    finally:
        await consumer.stop()
    return seen


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout_s: float = 60.0, interval_s: float = 0.1
) -> T:
    """Poll `check` until it returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            found: T = last
            return found
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last value: {last!r})")


@asynccontextmanager
async def running_app(app: Any) -> AsyncIterator[Any]:
    """Run a FastAPI app's lifespan in-process and yield an httpx client bound to it."""
    import httpx

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def schema_drift(database_url: str, metadata: Any, schema: str) -> list[Any]:
    """What a service's migrated schema and its `tables.py` disagree on: empty when they match.
    Compared from a connection whose default schema is not the service's, so reflected names
    carry their schema just as the metadata's do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    def ours(name: str | None, kind: str, _: Any) -> bool:
        if kind == "schema":
            return name == schema
        return not (kind == "table" and name == "alembic_version")

    def diff(conn: Any) -> list[Any]:
        options = {"include_schemas": True, "include_name": ours, "compare_server_default": True}
        return list(compare_metadata(MigrationContext.configure(conn, opts=options), metadata))

    engine = create_async_engine(database_url, connect_args={"server_settings": {"search_path": "public"}})
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(diff)
    finally:
        await engine.dispose()


def phone_order_body(number: str, **overrides: Any) -> dict[str, Any]:
    """A valid, paid phone order as customer service enters it (`POST /v1/orders`), channel order
    number `number`: a Hangzhou address written as people write it, two lines and a remark.
    Keyword arguments override any field (`channel_order_no` included)."""
    body: dict[str, Any] = {
        "channel_order_no": number,
        "created_at": "2026-11-20T14:22:00+08:00",
        "paid_at": "2026-11-20T14:25:00+08:00",
        "receiver": {
            "name": "张三",
            "phone": "138 1234 5678",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路",
            "detail": "100号 3幢 502室",
        },
        "items": [
            {"sku": "AC-1001", "title": "变频空调 1.5匹", "quantity": 1, "unit_price_fen": 259900},
            {"sku": "FAN-02", "title": "落地扇", "quantity": 2, "unit_price_fen": 19900},
        ],
        "buyer_remark": "周末送货",
    }
    body.update(overrides)
    return body

"""The inbox-deduplicating consumer and dead letters, against the real broker and database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from orderhub_contracts.envelope import Envelope, decode_headers, encode
from orderhub_contracts.events import DomainEvent, OrderPaid, to_envelope
from orderhub_contracts.topics import Topic, dead_letter_topic, resolve_topic
from orderhub_devstack.testing import eventually, publish_envelope, read_topic
from orderhub_runtime.bus.consumer import EventConsumer
from orderhub_runtime.bus.kafka import make_producer
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.bus.relay import OutboxRelay
from orderhub_runtime.db import Database, Tx
from runtime_support import RuntimeEnv
from sqlalchemy import insert, select

pytestmark = pytest.mark.asyncio(loop_scope="session")
POISON_FEN = 666


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def consumer(runtime_env: RuntimeEnv) -> AsyncIterator[EventConsumer]:
    producer = make_producer(runtime_env.settings, "consumer-test")
    await producer.start()
    relay = OutboxRelay(
        engine=runtime_env.engine,
        database_url=runtime_env.url,
        tables=runtime_env.tables,
        producer=producer,
        settings=runtime_env.settings,
        schema=runtime_env.schema,
    )
    db = Database(runtime_env.engine, OutboxWriter(runtime_env.tables.outbox, source="orderhub/test"), relay.wake)

    async def on_paid(tx: Tx, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, OrderPaid)
        if event.paid_total_fen == POISON_FEN:
            raise ValueError("this event can never be handled")
        await tx.conn.execute(
            insert(runtime_env.effects).values(event_id=envelope.id, order_id=event.order_id, seq=event.paid_total_fen)
        )

    relay.start()
    worker = EventConsumer(
        service="aftersales",
        settings=runtime_env.settings,
        db=db,
        tables=runtime_env.tables,
        topics=[Topic.ORDERS],
        handlers={OrderPaid.event_type: on_paid},
    )
    await worker.start()
    yield worker
    await worker.stop()
    await relay.stop()
    await producer.stop()


def _envelope(order_id: str, fen: int) -> Envelope:
    return to_envelope(OrderPaid(order_id=order_id, paid_at=datetime.now(UTC), paid_total_fen=fen), source="test")


async def _effects(env: RuntimeEnv, order_id: str) -> list[int]:
    async with env.engine.connect() as conn:
        rows = await conn.execute(
            select(env.effects.c.seq).where(env.effects.c.order_id == order_id).order_by(env.effects.c.id)
        )
        return [r[0] for r in rows]


async def test_each_event_takes_effect_once_despite_redelivery(
    runtime_env: RuntimeEnv, consumer: EventConsumer
) -> None:
    order_id = f"DABE{uuid.uuid4().hex[:10]}"
    first, second = _envelope(order_id, 1), _envelope(order_id, 2)
    for envelope in (first, first, second, first, second):
        await publish_envelope(
            runtime_env.settings.kafka_bootstrap_servers,
            envelope,
            topic=Topic.ORDERS.value,
            prefix=runtime_env.settings.topic_prefix,
        )

    async def both() -> list[int] | None:
        seqs = await _effects(runtime_env, order_id)
        return seqs if len(seqs) >= 2 else None

    duplicates_before = consumer.stats.duplicates
    for envelope in (first, second):  # once more, after both took effect
        await publish_envelope(
            runtime_env.settings.kafka_bootstrap_servers,
            envelope,
            topic=Topic.ORDERS.value,
            prefix=runtime_env.settings.topic_prefix,
        )
    assert await eventually(both) == [1, 2]

    async def skipped() -> bool:
        return consumer.stats.duplicates >= duplicates_before + 2

    await eventually(skipped)
    assert await _effects(runtime_env, order_id) == [1, 2]


async def test_poison_event_is_dead_lettered_and_its_neighbours_go_through(
    runtime_env: RuntimeEnv, consumer: EventConsumer
) -> None:
    good_a, bad, good_b = (f"DABE{uuid.uuid4().hex[:10]}" for _ in range(3))
    producer = AIOKafkaProducer(bootstrap_servers=runtime_env.settings.kafka_bootstrap_servers)
    await producer.start()
    topic = resolve_topic(Topic.ORDERS.value, runtime_env.settings.topic_prefix)
    try:
        # Sent without waiting so they tend to share one fetched batch.
        for envelope in (_envelope(good_a, 10), _envelope(bad, POISON_FEN), _envelope(good_b, 20)):
            record = encode(envelope)
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.send(topic, b"{not json", key=b"DABE-GARBAGE", headers=[("ce_specversion", b"1.0")])
        await producer.flush()
    finally:
        await producer.stop()

    async def goods_done() -> bool:
        return bool(await _effects(runtime_env, good_a)) and bool(await _effects(runtime_env, good_b))

    await eventually(goods_done)
    assert await _effects(runtime_env, bad) == []
    dead = await read_topic(
        runtime_env.settings.kafka_bootstrap_servers,
        dead_letter_topic("aftersales"),
        prefix=runtime_env.settings.topic_prefix,
        timeout_s=20,
        until=lambda evs: any(e.subject == bad for e in evs),
    )
    letter = next(e for e in dead if e.subject == bad)
    assert letter.type == "order.paid", "the dead letter keeps the original event"
    assert consumer.stats.dead_lettered >= 2


async def test_dead_letter_headers_say_why(runtime_env: RuntimeEnv, consumer: EventConsumer) -> None:
    bad = f"DABE{uuid.uuid4().hex[:10]}"
    await publish_envelope(
        runtime_env.settings.kafka_bootstrap_servers,
        _envelope(bad, POISON_FEN),
        topic=Topic.ORDERS.value,
        prefix=runtime_env.settings.topic_prefix,
    )
    physical = resolve_topic(dead_letter_topic("aftersales"), runtime_env.settings.topic_prefix)

    async def find() -> dict[str, str] | None:
        reader = AIOKafkaConsumer(bootstrap_servers=runtime_env.settings.kafka_bootstrap_servers)
        await reader.start()
        try:
            tps = [TopicPartition(physical, p) for p in reader.partitions_for_topic(physical) or []]
            reader.assign(tps)
            await reader.seek_to_beginning(*tps)
            for records in (await reader.getmany(timeout_ms=500)).values():
                for r in records:
                    if r.key == bad.encode():
                        return decode_headers(list(r.headers))
        finally:
            await reader.stop()
        return None

    headers = await eventually(find, timeout_s=20, interval_s=0.5)
    assert "ValueError: this event can never be handled" in headers["x-orderhub-dlq-error"]
    assert headers["x-orderhub-dlq-original-topic"] == Topic.ORDERS.value
    assert headers["x-orderhub-dlq-attempts"] == str(runtime_env.settings.consumer_max_attempts)

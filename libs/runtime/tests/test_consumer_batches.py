"""Batch handlers: consecutive new events of one type reach the handler together, in order;
a failing run falls back to one event per transaction, where the poison one is dead-lettered
alone; records of types the consumer does not handle are skipped undecoded. Against the real
broker and database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from orderhub_contracts.envelope import Envelope, encode
from orderhub_contracts.events import DomainEvent, OrderCancelled, OrderPaid, to_envelope
from orderhub_contracts.topics import Topic, resolve_topic
from orderhub_devstack.testing import eventually
from orderhub_runtime.bus.consumer import EventConsumer, _runs
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, Tx
from runtime_support import RuntimeEnv
from sqlalchemy import insert, select

POISON = "poison"


def _cancelled(order_id: str, reason: str = "customer asked") -> Envelope:
    return to_envelope(OrderCancelled(order_id=order_id, reason=reason), source="test")


def _paid(order_id: str) -> Envelope:
    return to_envelope(OrderPaid(order_id=order_id, paid_at=datetime.now(UTC), paid_total_fen=1), source="test")


def test_runs_group_consecutive_events_of_a_batched_type_only() -> None:
    a, b, c, d, e = (_cancelled(f"O{i}") for i in range(5))
    paid = _paid("O9")
    runs = _runs([a, b, paid, c, d, e], {OrderCancelled.event_type})
    assert [[env.id for env in run] for run in runs] == [[a.id, b.id], [paid.id], [c.id, d.id, e.id]]
    assert _runs([paid, paid], set()) == [[paid], [paid]], "types without a batch handler are dispatched alone"


@pytest.mark.asyncio(loop_scope="session")
async def test_batch_handler_gets_runs_and_a_poison_event_is_isolated(runtime_env: RuntimeEnv) -> None:
    orders = [f"DABE{uuid.uuid4().hex[:10]}" for _ in range(12)]
    poisoned = orders[5]
    producer = AIOKafkaProducer(bootstrap_servers=runtime_env.settings.kafka_bootstrap_servers)
    await producer.start()
    topic = resolve_topic(Topic.ORDERS.value, runtime_env.settings.topic_prefix)
    try:  # all on the topic before the consumer starts, so its first fetches return runs
        for order_id in orders:
            envelope = _cancelled(order_id, POISON if order_id == poisoned else "customer asked")
            record = encode(envelope)
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        # A type this consumer does not handle is skipped on its header: its (broken) value is
        # never decoded, so it is not dead-lettered here.
        not_mine = [("ce_specversion", b"1.0"), ("ce_type", b"order.refunded"), ("ce_id", b"x")]
        await producer.send(topic, b"{not json", key=b"DABE-NOT-MINE", headers=not_mine)
        await producer.flush()
    finally:
        await producer.stop()

    run_sizes: list[int] = []

    async def on_cancelled(tx: Tx, items: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        run_sizes.append(len(items))
        for envelope, event in items:
            assert isinstance(event, OrderCancelled)
            if event.reason == POISON:
                raise ValueError("this event can never be handled")
            tx.acting_on(envelope)
            await tx.conn.execute(insert(runtime_env.effects).values(event_id=envelope.id, order_id=event.order_id))
            await tx.publish(OrderPaid(order_id=event.order_id, paid_at=envelope.time, paid_total_fen=2))

    db = Database(runtime_env.engine, OutboxWriter(runtime_env.tables.outbox, source="orderhub/test"), lambda: None)
    worker = EventConsumer(
        service="rules",  # a consumer group of its own: it reads the topic from the start
        settings=runtime_env.settings,
        db=db,
        tables=runtime_env.tables,
        topics=[Topic.ORDERS],
        handlers={},
        batch_handlers={OrderCancelled.event_type: on_cancelled},
    )
    await worker.start()
    try:
        effects, outbox = runtime_env.effects, runtime_env.tables.outbox

        async def all_but_poison() -> list[str] | None:
            async with runtime_env.engine.connect() as conn:
                rows = await conn.execute(select(effects.c.order_id).where(effects.c.order_id.in_(orders)))
                done = [r[0] for r in rows]
            return done if len(done) == len(orders) - 1 and worker.stats.dead_lettered == 1 else None

        done = await eventually(all_but_poison, timeout_s=30)
        assert sorted(done) == sorted(o for o in orders if o != poisoned)
        assert max(run_sizes) > 1, "events fetched together reach the handler together"
        assert worker.stats.dead_lettered == 1, "only the poison event"
        async with runtime_env.engine.connect() as conn:
            query = select(outbox.c.key).where(outbox.c.key.in_(orders), outbox.c.event_type == OrderPaid.event_type)
            rows = (await conn.execute(query)).all()
        assert sorted(r[0] for r in rows) == sorted(done), "each handled event published exactly once"
    finally:
        await worker.stop()

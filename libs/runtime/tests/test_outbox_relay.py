"""The outbox relay against the real broker and database."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from orderhub_contracts.events import OrderPaid
from orderhub_contracts.topics import Topic
from orderhub_devstack.testing import eventually, read_topic
from orderhub_runtime.bus.kafka import make_producer
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.bus.relay import OutboxRelay
from orderhub_runtime.db import Database
from runtime_support import RuntimeEnv
from sqlalchemy import func, select

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _paid(order_id: str, fen: int) -> OrderPaid:
    return OrderPaid(order_id=order_id, paid_at=datetime.now(UTC), paid_total_fen=fen)


async def _relay(env: RuntimeEnv) -> tuple[OutboxRelay, Database, AIOKafkaProducer]:
    producer = make_producer(env.settings, "relay-test")
    await producer.start()
    relay = OutboxRelay(
        engine=env.engine,
        database_url=env.url,
        tables=env.tables,
        producer=producer,
        settings=env.settings,
        schema=env.schema,
    )
    db = Database(env.engine, OutboxWriter(env.tables.outbox, source="orderhub/test"), relay.wake)
    return relay, db, producer


async def test_relay_publishes_committed_events_in_order_and_promptly(runtime_env: RuntimeEnv) -> None:
    relay, db, producer = await _relay(runtime_env)
    relay.start()
    try:
        orders = [f"DABE{uuid.uuid4().hex[:10]}" for _ in range(3)]
        started = time.monotonic()
        for seq in range(1, 8):
            async with db.transaction(correlation_id="corr-1") as tx:
                for order_id in orders:
                    await tx.publish(_paid(order_id, seq))
        # The poll interval is 30 s: seeing the events well before that proves the commit woke the relay.
        seen = await read_topic(
            runtime_env.settings.kafka_bootstrap_servers,
            Topic.ORDERS.value,
            prefix=runtime_env.settings.topic_prefix,
            until=lambda evs: sum(e.subject in orders for e in evs) >= 21,
            timeout_s=20,
        )
        assert time.monotonic() - started < 20
        mine = [e for e in seen if e.subject in orders]
        assert len(mine) == 21
        for order_id in orders:
            amounts = [e.data["paid_total_fen"] for e in mine if e.subject == order_id]
            assert amounts == list(range(1, 8)), "per-order order must be preserved"
        assert all(e.correlation_id == "corr-1" for e in mine)
        ob = runtime_env.tables.outbox

        async def all_marked_sent() -> bool:  # marked once the broker has acknowledged them
            async with runtime_env.engine.connect() as conn:
                unsent = await conn.scalar(select(func.count()).select_from(ob).where(ob.c.sent_at.is_(None)))
            return unsent == 0

        await eventually(all_marked_sent, timeout_s=10)
    finally:
        await relay.stop()
        await producer.stop()


async def test_rolled_back_transaction_publishes_nothing(runtime_env: RuntimeEnv) -> None:
    relay, db, producer = await _relay(runtime_env)
    relay.start()
    order_id = f"DABE{uuid.uuid4().hex[:10]}"
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.publish(_paid(order_id, 1))
                raise RuntimeError("business rule failed after the event was queued")
        async with db.transaction() as tx:
            await tx.publish(_paid(order_id, 2))
        seen = await read_topic(
            runtime_env.settings.kafka_bootstrap_servers,
            Topic.ORDERS.value,
            prefix=runtime_env.settings.topic_prefix,
            until=lambda evs: any(e.subject == order_id for e in evs),
        )
        assert [e.data["paid_total_fen"] for e in seen if e.subject == order_id] == [2]
    finally:
        await relay.stop()
        await producer.stop()


async def test_retained_events_are_replayed_into_a_broker_that_came_back_empty(runtime_env: RuntimeEnv) -> None:
    relay, db, producer = await _relay(runtime_env)
    order_id = f"DABE{uuid.uuid4().hex[:10]}"
    try:
        await relay.replay_if_new_broker("cluster-A")
        relay.start()
        async with db.transaction() as tx:
            await tx.publish(_paid(order_id, 7))
        ob = runtime_env.tables.outbox

        async def sent() -> bool:
            async with runtime_env.engine.connect() as conn:
                return bool(
                    await conn.scalar(
                        select(func.count()).select_from(ob).where(ob.c.key == order_id, ob.c.sent_at.is_not(None))
                    )
                )

        await eventually(sent)
        await relay.stop()
        assert await relay.replay_if_new_broker("cluster-A") == 0, "same broker: nothing to replay"
        replayed = await relay.replay_if_new_broker("cluster-B")
        assert replayed >= 1
        relay2, _, producer2 = await _relay(runtime_env)
        relay2.start()
        try:
            seen = await read_topic(
                runtime_env.settings.kafka_bootstrap_servers,
                Topic.ORDERS.value,
                prefix=runtime_env.settings.topic_prefix,
                until=lambda evs: sum(e.subject == order_id for e in evs) >= 2,
            )
            copies = [e for e in seen if e.subject == order_id]
            assert len(copies) == 2 and copies[0].id == copies[1].id, "the replay re-sends the same event ID"
        finally:
            await relay2.stop()
            await producer2.stop()
    finally:
        await producer.stop()

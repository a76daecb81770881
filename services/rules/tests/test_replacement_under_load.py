"""Replacing the rule set while orders stream in: no order is dropped or checked twice, and each
is checked against exactly one version, the one recorded with it.

R11 is switched off and on repeatedly while ¥2,599 orders arrive: an order checked under a
version with R11 on is held, under one with R11 off it is validated, never both, never neither."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from orderhub_contracts.envelope import encode
from orderhub_contracts.events import OrderPlaced, to_envelope
from orderhub_contracts.topics import resolve_topic
from orderhub_devstack.testing import eventually
from rules.default_rules import DEFAULT_RULES
from rules.tables import messaging, orders, rule_sets
from sqlalchemy import func, select

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
MANAGER = {"Authorization": "Bearer local-manager"}
ORDERS = 300
CHUNK = 30


@pytest_asyncio.fixture(loop_scope="session")
async def restored(rules: RulesHarness) -> AsyncIterator[RulesHarness]:
    yield rules
    response = await rules.put_rules(copy.deepcopy(DEFAULT_RULES), note="tests: back to the defaults")
    assert response.status_code == 200, response.text


async def test_replacement_under_load_drops_no_order(restored: RulesHarness) -> None:
    rules = restored
    placed = [OrderPlaced(order=rules.order(items=rules.HIGH_VALUE)) for _ in range(ORDERS)]
    ids = [p.order.order_id for p in placed]

    async def handled(order_id: str) -> bool:
        async with rules.db.connect() as conn:
            found = await conn.execute(select(orders.c.order_id).where(orders.c.order_id == order_id))
            return found.first() is not None

    # Chunks go out without waiting; once the first order of a chunk is in, R11 is switched while
    # the rest of it is being checked. So at least two versions are in play, whatever the timing.
    producer = AIOKafkaProducer(bootstrap_servers=rules.stack.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        topic = resolve_topic(placed[0].topic.value, rules.stack.topic_prefix)
        for i in range(0, ORDERS, CHUNK):
            for event in placed[i : i + CHUNK]:
                record = encode(to_envelope(event, source="orderhub/test", correlation_id=f"load-{i}"))
                await producer.send(topic, record.value, key=record.key, headers=record.headers)
            await producer.flush()
            await eventually(partial(handled, ids[i]), timeout_s=30, interval_s=0.02)
            if i + CHUNK < ORDERS:
                step = "disable" if (i // CHUNK) % 2 == 0 else "enable"
                response = await rules.client.post(f"/v1/rules/R11/{step}", headers=MANAGER)
                assert response.status_code == 200, response.text
    finally:
        await producer.stop()

    async def all_handled() -> bool:
        async with rules.db.connect() as conn:
            count = await conn.execute(select(func.count()).select_from(orders).where(orders.c.order_id.in_(ids)))
            return count.scalar_one() == ORDERS

    await eventually(all_handled, timeout_s=120, interval_s=0.5)
    async with rules.db.connect() as conn:
        versions = select(orders.c.order_id, orders.c.rule_set_version).where(orders.c.order_id.in_(ids))
        checked_under = {row.order_id: row.rule_set_version for row in await conn.execute(versions)}
        r11_on = {
            row.version: next(r for r in row.rules if r["id"] == "R11")["enabled"]
            for row in await conn.execute(select(rule_sets.c.version, rule_sets.c.rules))
        }
        outbox = messaging.outbox
        published = Counter(
            (row.key, row.event_type)
            for row in await conn.execute(select(outbox.c.key, outbox.c.event_type).where(outbox.c.key.in_(ids)))
        )
    for order_id in ids:
        held = published[(order_id, "order.held")]
        validated = published[(order_id, "order.validated")]
        expected = (1, 0) if r11_on[checked_under[order_id]] else (0, 1)
        assert (held, validated) == expected, order_id
    assert len(set(checked_under.values())) > 1, "the replacements happened while orders were checked"

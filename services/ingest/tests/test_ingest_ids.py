"""The global order ID: DABE + creation minute (Asia/Shanghai) + last 5 characters of the channel
order number; the same channel order always gets the same ID, and two different channel orders
that would share one are told apart deterministically."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from ingest.orders.model import PlaceOrder
from ingest.orders.service import accept_order
from ingest.tables import messaging
from orderhub_contracts.address import Receiver
from orderhub_contracts.ids import base_order_id, candidate_order_ids, collision_suffix
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def db(ingest_engine: AsyncEngine) -> Database:
    return Database(ingest_engine, OutboxWriter(messaging.outbox, source="orderhub/ingest"), lambda: None)


def command(channel: Channel, number: str, created_at: datetime) -> PlaceOrder:
    return PlaceOrder(
        channel=channel,
        channel_order_no=number,
        created_at=created_at,
        receiver=Receiver(name="王五", phone="13700001234", detail="1号"),
        items=(LineItem(sku="FAN-1", title="电风扇", quantity=1, unit_price_fen=9900),),
    )


async def test_the_id_is_the_shanghai_creation_minute_and_the_last_five_characters() -> None:
    created = datetime(2026, 2, 18, 6, 22, 59, tzinfo=UTC)  # 14:22:59 in Shanghai
    assert base_order_id(created, "DY20260218142278901") == "DABE20260218142278901"
    assert base_order_id(created.astimezone(SHANGHAI), " 78901 ") == "DABE20260218142278901"
    with pytest.raises(ValueError, match="timezone-aware"):
        base_order_id(created.replace(tzinfo=None), "78901")


async def test_collision_candidates_are_deterministic_and_differ_per_channel_order() -> None:
    created = datetime(2026, 2, 18, 14, 22, tzinfo=SHANGHAI)
    first = candidate_order_ids(created, "taobao", "4000000078901")
    assert first == candidate_order_ids(created, "taobao", "4000000078901")
    assert first[0] == "DABE20260218142278901"
    assert first[1] == f"DABE20260218142278901-{collision_suffix('taobao', '4000000078901')}"
    assert [len(c) for c in first[1:]] == [26, 30, 34]
    other = candidate_order_ids(created, "pinduoduo", "260218-4000000078901")
    assert other[0] == first[0] and other[1] != first[1]


async def test_two_channel_orders_sharing_a_base_id_get_distinct_stable_ids(
    db: Database, ingest_engine: AsyncEngine
) -> None:
    created = datetime(2026, 2, 18, 14, 22, tzinfo=SHANGHAI)
    tail = uuid.uuid4().hex[:5].upper()  # a fresh base ID for every run of the test
    taobao, pdd = (
        command(Channel.TAOBAO, f"40000000{tail}", created),
        command(Channel.PINDUODUO, f"260218-{tail}", created),
    )
    async with db.transaction() as tx:
        first = await accept_order(tx, taobao)
    async with db.transaction() as tx:
        second = await accept_order(tx, pdd)
    assert first.created and second.created
    assert first.order_id == f"DABE202602181422{tail}"
    assert second.order_id == f"{first.order_id}-{collision_suffix('pinduoduo', pdd.channel_order_no)}"
    # Pushed again, fetched by the sync: the same IDs, nothing placed twice.
    for again, expected in ((taobao, first.order_id), (pdd, second.order_id)):
        async with db.transaction() as tx:
            repeat = await accept_order(tx, again)
        assert (repeat.order_id, repeat.created) == (expected, False)
    outbox = messaging.outbox.c
    async with ingest_engine.connect() as conn:
        placed = await conn.scalar(
            select(func.count()).where(
                outbox.key.in_([first.order_id, second.order_id]), outbox.event_type == "order.placed"
            )
        )
    assert placed == 2

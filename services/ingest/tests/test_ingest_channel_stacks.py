"""Every marketplace platform end to end on the real stack, the same cases for each: its simulator
pushes (HTTP webhook or message stream), ingest fetches the signed detail and decrypts the receiver,
the sync's list recovers lost pushes, and every platform order becomes one order with one
order.placed however often it is pushed or listed. Platform-specific cases are in
test_ingest_<platform>_stack.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from channel_platforms import PLATFORMS, Platform, platform
from orderhub_devstack.stack import StackInfo

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=PLATFORMS)
async def on(request: pytest.FixtureRequest, orderhub_stack: StackInfo) -> AsyncIterator[Platform]:
    """One platform at a time (the suite's tests are grouped by it), with an ingest of its own."""
    name: str = request.param
    async with platform(name, orderhub_stack) as driven:
        yield driven


async def test_a_pushed_order_is_fetched_with_its_receiver_decrypted_and_placed_once(on: Platform) -> None:
    number = await on.place()
    order_id = await on.stack.settle(number)
    row = await on.stack.order(number)
    assert row is not None
    assert {column: row[column] for column in on.placed} == on.placed
    assert await on.stack.events(order_id) == ["order.placed"]
    assert await on.stack.topic_events(order_id) == ["order.placed"]


async def test_pushed_twice_synced_and_pushed_again_is_one_order(on: Platform) -> None:
    on.duplicate_next()
    number = await on.place()
    order_id = await on.stack.settle(number)
    assert on.answered()
    assert await on.stack.sync() >= 1
    await on.stack.settle(number)
    await on.push_again(number)
    await on.stack.settle(number)
    assert await on.stack.order_id(number) == order_id
    assert await on.stack.events(order_id) == ["order.placed"]  # placed paid: nothing changed since
    assert await on.stack.topic_events(order_id) == ["order.placed"]


async def test_a_lost_push_is_recovered_by_the_sync_from_the_watermark(on: Platform) -> None:
    await on.stack.sync()  # a watermark exists from here on
    await on.stack.quiesce()
    on.drop_next()
    number = await on.place()
    assert on.dropped()
    await on.stack.quiesce()
    assert await on.stack.order_id(number) is None  # the push never arrived
    assert await on.stack.sync() >= 1
    order_id = await on.stack.settle(number)
    row = await on.stack.order(number)
    assert row is not None and row["last_source"] == "sync"
    assert await on.stack.events(order_id) == ["order.placed"]
    watermark = await on.stack.watermark()
    assert watermark is not None and watermark.timestamp() >= on.modified_at(number)

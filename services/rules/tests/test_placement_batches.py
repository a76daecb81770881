"""Placement is set-based: a run of order.placed events from one consumer batch is checked
together. Orders of one phone in the same run must see each other exactly as if they had been
placed one by one (R05 counts, R07 duplicates), and a placement repeated in the run or already
known changes nothing. The placement use case is called directly so the run is known; real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import OrderPlaced, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from rules.placement.service import place

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
MANAGER = {"Authorization": "Bearer local-manager"}


def items(sku: str) -> tuple[LineItem, ...]:
    return (LineItem(sku=sku, title="空气炸锅", quantity=1, unit_price_fen=39900),)


def placed(order: CanonicalOrder) -> tuple[Envelope, CanonicalOrder]:
    return to_envelope(OrderPlaced(order=order), source="test"), order


async def place_run(rules: RulesHarness, run: list[tuple[Envelope, CanonicalOrder]]) -> None:
    async with rules.ctx.db.transaction() as tx:
        await place(tx, run, rules.ctx.deps)


async def rule_ids(rules: RulesHarness, order: CanonicalOrder) -> list[str]:
    return sorted(a["rule_id"] for a in await rules.anomalies(order.order_id))


async def test_orders_of_one_phone_in_one_run_count_as_if_placed_one_by_one(rules: RulesHarness) -> None:
    sku = f"LIM-{uuid.uuid4().hex[:6]}"
    assert (await rules.client.put(f"/v1/limited-skus/{sku}", headers=MANAGER)).status_code == 200
    phone, other_phone = rules.fresh_phone(), rules.fresh_phone()
    start = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai; 20 min apart, never R07
    same_phone = [
        rules.order(phone=phone, items=items(sku), created_at=start + timedelta(minutes=20 * i)) for i in range(4)
    ]
    bystander = rules.order(phone=other_phone, items=items(sku), created_at=start)
    run = [placed(same_phone[0]), placed(bystander), *(placed(o) for o in same_phone[1:])]
    await place_run(rules, run)

    assert [await rule_ids(rules, o) for o in same_phone] == [[], [], [], ["R05"]]
    assert await rule_ids(rules, bystander) == []
    assert await rules.outbox_types(same_phone[3].order_id) == ["anomaly.raised", "order.held"]
    assert await rules.outbox_types(same_phone[0].order_id) == ["order.validated"]
    await rules.client.delete(f"/v1/limited-skus/{sku}", headers=MANAGER)


async def test_a_duplicate_across_channels_in_the_same_run_is_found(rules: RulesHarness) -> None:
    sku, phone = f"DUP-{uuid.uuid4().hex[:6]}", rules.fresh_phone()
    start = datetime(2026, 4, 3, 4, 0, tzinfo=UTC)
    first = rules.order(phone=phone, items=items(sku), created_at=start, channel=Channel.TAOBAO)
    again = rules.order(phone=phone, items=items(sku), created_at=start + timedelta(minutes=5), channel=Channel.DOUYIN)
    await place_run(rules, [placed(first), placed(again)])
    assert await rule_ids(rules, first) == []
    assert await rule_ids(rules, again) == ["R07"]


async def test_repeated_and_known_placements_change_nothing(rules: RulesHarness) -> None:
    known = rules.order()
    await place_run(rules, [placed(known)])
    held = rules.order(items=rules.HIGH_VALUE)  # R11 holds it
    await place_run(rules, [placed(held), placed(known), placed(held)])

    assert await rules.outbox_types(known.order_id) == ["order.validated"]
    assert await rules.outbox_types(held.order_id) == ["anomaly.raised", "order.held"]
    assert await rule_ids(rules, held) == ["R11"]

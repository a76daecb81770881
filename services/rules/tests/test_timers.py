"""Durable timers (R04 unpaid, R16 ship deadline, R17 stalled logistics) on the real database:
each fires once, a failed round leaves it due for the next worker (as after a crash and a
restart), and the facts that make a timer moot (payment, dispatch, delivery) cancel it.

The rounds are run with a `now` in the future, so nothing here waits for a clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import OrderPaid, OrderPlaced, ShipmentCreated, ShipmentDispatched, TrackingUpdated
from orderhub_contracts.order import CanonicalOrder
from orderhub_runtime.app import ServiceContext
from rules.deps import RulesDeps
from rules.engine.ruleset import CompiledRuleSet
from rules.rulesets.service import RuleBook
from rules.tables import timers
from rules.timers.service import BATCH
from rules.timers.service import fire_due as fire_round
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


class BrokenRuleBook(RuleBook):
    """A worker that dies in the middle of a round, after claiming the due timers."""

    async def active(self, conn: AsyncConnection) -> CompiledRuleSet:
        raise RuntimeError("worker crashed mid-round")


async def fire_due(ctx: ServiceContext[RulesDeps], rulebook: RuleBook, now: datetime) -> None:
    """Every round due at `now` (other tests' timers may be due too), by a worker with `rulebook`."""
    deps = dataclasses.replace(ctx.deps, rulebook=rulebook)
    while await fire_round(ctx.db, deps, now=now) == BATCH:
        pass


async def timer_states(rules: RulesHarness, order_id: str) -> dict[str, str]:
    async with rules.db.connect() as conn:
        rows = await conn.execute(select(timers.c.kind, timers.c.status).where(timers.c.order_id == order_id))
        return {row.kind: row.status for row in rows}


async def rule_ids(rules: RulesHarness, order_id: str) -> list[str]:
    return [a["rule_id"] for a in await rules.anomalies(order_id)]


async def test_r04_unpaid_fires_once_and_survives_a_crashed_round(rules: RulesHarness) -> None:
    order = rules.order(paid=False)
    await rules.deliver(OrderPlaced(order=order))
    assert await timer_states(rules, order.order_id) == {"payment.overdue": "pending"}
    at_14_min = order.created_at + timedelta(minutes=14)
    await fire_due(rules.ctx, RuleBook(), now=at_14_min)
    assert await rule_ids(rules, order.order_id) == []

    due = order.created_at + timedelta(minutes=15, seconds=1)
    with pytest.raises(RuntimeError, match="crashed"):
        await fire_due(rules.ctx, BrokenRuleBook(), now=due)
    assert await timer_states(rules, order.order_id) == {"payment.overdue": "pending"}  # rolled back, still due
    assert await rule_ids(rules, order.order_id) == []

    await fire_due(rules.ctx, RuleBook(), now=due)  # a fresh worker, as after a restart
    await fire_due(rules.ctx, RuleBook(), now=due + timedelta(hours=1))  # and again: nothing more
    assert await timer_states(rules, order.order_id) == {"payment.overdue": "fired"}
    (anomaly,) = await rules.anomalies(order.order_id)
    assert (anomaly["rule_id"], anomaly["level"], anomaly["holds"]) == ("R04", 1, False)
    assert (anomaly["status"], anomaly["resolution"]) == ("resolved", "automatic")  # a reminder: no person
    assert anomaly["actions"] == [{"kind": "sms", "target": "customer", "text": "您的订单即将关闭，请及时付款"}]
    assert anomaly["evidence"] == {"is_paid": False, "unpaid_minutes": 15}
    assert (await rules.outbox_types(order.order_id)).count("anomaly.raised") == 1


async def test_payment_cancels_the_unpaid_timer(rules: RulesHarness) -> None:
    order = rules.order(paid=False)
    await rules.deliver(OrderPlaced(order=order))
    paid_at = order.created_at + timedelta(minutes=5)
    await rules.deliver(OrderPaid(order_id=order.order_id, paid_at=paid_at, paid_total_fen=order.paid_total_fen))
    assert await timer_states(rules, order.order_id) == {
        "payment.overdue": "cancelled",
        "ship_deadline.near": "pending",  # armed by the payment: 24 h to ship
    }
    await fire_due(rules.ctx, RuleBook(), now=order.created_at + timedelta(hours=1))
    assert await rule_ids(rules, order.order_id) == []
    assert await rules.outbox_types(order.order_id) == ["order.validated"]


def shipment(order: CanonicalOrder, deadline: datetime | None) -> ShipmentCreated:
    return ShipmentCreated(
        order_id=order.order_id,
        outbound_id=f"OB-{order.order_id}",
        carrier="SF",
        waybill_no=f"SF{order.order_id[-10:]}",
        receiver=order.receiver,
        items=order.items,
        ship_deadline=deadline,
    )


async def test_r16_ship_deadline_risk_and_r17_stalled_logistics(rules: RulesHarness) -> None:
    order = rules.order()
    await rules.deliver(OrderPlaced(order=order))
    assert order.paid_at is not None
    await rules.deliver(shipment(order, None))  # no deadline given: 24 h after payment
    deadline = order.paid_at + timedelta(hours=24)
    await fire_due(rules.ctx, RuleBook(), now=deadline - timedelta(hours=4, seconds=1))
    assert await rule_ids(rules, order.order_id) == []
    await fire_due(rules.ctx, RuleBook(), now=deadline - timedelta(hours=3, minutes=59))
    (r16,) = await rules.anomalies(order.order_id)
    assert (r16["rule_id"], r16["level"]) == ("R16", 2)
    assert ("wecom", "warehouse_group") in [(a["kind"], a["target"]) for a in r16["actions"]]
    assert (await rules.outbox_types(order.order_id))[-2:] == ["anomaly.raised", "order.held"]

    dispatched_at = deadline - timedelta(hours=3)
    waybill = shipment(order, None).waybill_no
    await rules.deliver(
        ShipmentDispatched(order_id=order.order_id, waybill_no=waybill, carrier="SF", dispatched_at=dispatched_at)
    )
    update_at = dispatched_at + timedelta(hours=20)
    await rules.deliver(
        TrackingUpdated(order_id=order.order_id, waybill_no=waybill, status="in_transit", occurred_at=update_at)
    )
    await fire_due(rules.ctx, RuleBook(), now=dispatched_at + timedelta(hours=49))  # 29 h after the last scan
    assert [a for a in await rule_ids(rules, order.order_id) if a == "R17"] == []
    await fire_due(rules.ctx, RuleBook(), now=update_at + timedelta(hours=48, minutes=1))
    r17 = [a for a in await rules.anomalies(order.order_id) if a["rule_id"] == "R17"]
    assert len(r17) == 1 and r17[0]["evidence"]["hours_since_tracking_update"] == 48
    assert await timer_states(rules, order.order_id) == {"ship_deadline.near": "fired", "logistics.check": "fired"}


async def test_delivery_cancels_the_logistics_timer_and_a_return_raises_r17_at_once(rules: RulesHarness) -> None:
    delivered, returned = rules.order(), rules.order()
    now = datetime.now(UTC)
    for order in (delivered, returned):
        await rules.deliver(OrderPlaced(order=order))
        waybill = shipment(order, now + timedelta(days=1)).waybill_no
        await rules.deliver(shipment(order, now + timedelta(days=1)))
        await rules.deliver(
            ShipmentDispatched(order_id=order.order_id, waybill_no=waybill, carrier="SF", dispatched_at=now)
        )
    await rules.deliver(
        TrackingUpdated(order_id=delivered.order_id, waybill_no="x", status="delivered", occurred_at=now)
    )
    await rules.deliver(TrackingUpdated(order_id=returned.order_id, waybill_no="x", status="returned", occurred_at=now))
    assert await timer_states(rules, delivered.order_id) == {
        "ship_deadline.near": "cancelled",
        "logistics.check": "cancelled",
    }
    await fire_due(rules.ctx, RuleBook(), now=now + timedelta(days=5))
    assert await rule_ids(rules, delivered.order_id) == []
    (r17,) = await rules.anomalies(returned.order_id)
    assert r17["rule_id"] == "R17" and r17["evidence"]["carrier_returned"] is True


async def test_a_carrier_problem_raises_r17_at_once(rules: RulesHarness) -> None:
    order = rules.order()
    now = datetime.now(UTC)
    await rules.deliver(OrderPlaced(order=order))
    waybill = shipment(order, now + timedelta(days=1)).waybill_no
    await rules.deliver(shipment(order, now + timedelta(days=1)))
    await rules.deliver(
        ShipmentDispatched(order_id=order.order_id, waybill_no=waybill, carrier="SF", dispatched_at=now)
    )
    await rules.deliver(
        TrackingUpdated(
            order_id=order.order_id, waybill_no=waybill, status="exception", description="疑难件", occurred_at=now
        )
    )
    (r17,) = await rules.anomalies(order.order_id)
    assert (r17["rule_id"], r17["level"]) == ("R17", 2)
    assert await timer_states(rules, order.order_id) == {
        "ship_deadline.near": "cancelled",
        "logistics.check": "cancelled",
    }


async def test_r16_also_for_an_order_that_never_got_a_shipment(rules: RulesHarness) -> None:
    order, presale = rules.order(), rules.order(items=(rules.HIGH_VALUE[0].model_copy(update={"presale": True}),))
    for placed in (order, presale):
        await rules.deliver(OrderPlaced(order=placed))
    assert order.paid_at is not None
    assert await timer_states(rules, presale.order_id) == {}  # presale: its own ship date, not 24 h
    await fire_due(rules.ctx, RuleBook(), now=order.paid_at + timedelta(hours=20, minutes=1))
    (r16,) = await rules.anomalies(order.order_id)
    assert (r16["rule_id"], r16["evidence"]["minutes_to_ship_deadline"]) == ("R16", 239)

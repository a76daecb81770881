"""The walking-skeleton flow on the real broker and database: orders.v1 in, anomalies.v1 out.

"Nothing was published" is checked deterministically: once the service has committed its
handling of an event (its inbox row), everything that handling published is in its outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import OrderCancelled, OrderPaid, OrderPlaced
from orderhub_contracts.order import CanonicalOrder

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


def types(envelopes: list[Envelope]) -> list[str]:
    return [e.type for e in envelopes]


async def test_clean_paid_order_is_validated_once(rules: RulesHarness) -> None:
    order = rules.order()
    await rules.deliver(OrderPlaced(order=order))
    events = await rules.events(order.order_id, "order.validated")
    assert types(events) == ["order.validated"]
    assert CanonicalOrder.model_validate(events[0].data["order"]) == order
    assert events[0].data["rule_set_version"] == (await rules.rule_set())["version"]
    assert await rules.outbox_types(order.order_id) == ["order.validated"]


async def test_high_value_order_is_held_and_not_validated(rules: RulesHarness) -> None:
    order = rules.order(items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    events = await rules.events(order.order_id, "order.held")
    assert types(events) == ["anomaly.raised", "order.held"]
    raised, held = events[0].data, events[1].data
    assert (raised["rule_id"], raised["rule_name"], raised["level"], raised["holds"]) == ("R11", "大额订单", 2, True)
    assert raised["evidence"]["paid_total_cny_fen"] == 259_900
    assert (raised["province"], raised["channel"]) == ("浙江省", "taobao")
    assert raised["customer_phone"] == order.receiver.phone
    assert held["rule_ids"] == ["R11"] and held["reasons"] == ["R11 大额订单"]
    # Everything the placement published was written in one transaction: no clearance among it.
    assert await rules.outbox_types(order.order_id) == ["anomaly.raised", "order.held"]


async def test_unpaid_clean_order_waits_for_payment(rules: RulesHarness) -> None:
    order = rules.order(paid=False)
    await rules.deliver(OrderPlaced(order=order))
    assert await rules.outbox_types(order.order_id) == []

    paid_at = datetime.now(UTC).replace(microsecond=0)
    await rules.send(OrderPaid(order_id=order.order_id, paid_at=paid_at, paid_total_fen=order.paid_total_fen))
    events = await rules.events(order.order_id, "order.validated")
    assert types(events) == ["order.validated"]
    assert CanonicalOrder.model_validate(events[0].data["order"]) == order.model_copy(update={"paid_at": paid_at})


async def test_release_of_the_last_hold_validates_the_order(rules: RulesHarness) -> None:
    order = rules.order(name="", items=rules.HIGH_VALUE)  # R06 (level 3) and R11 (level 2)
    await rules.deliver(OrderPlaced(order=order))
    queue = await rules.anomalies(order.order_id)
    assert [(a["rule_id"], a["level"]) for a in queue] == [("R06", 3), ("R11", 2)]

    first = await rules.act("release", queue[0]["anomaly_id"], note="已联系客户补全姓名")
    assert first.status_code == 200 and first.json()["order_validated"] is False
    assert "order.validated" not in await rules.outbox_types(order.order_id)

    last = await rules.act("release", queue[1]["anomaly_id"], token="local-manager")
    assert last.status_code == 200 and last.json()["order_validated"] is True
    events = await rules.events(order.order_id, "order.validated")
    assert types(events) == [
        "anomaly.raised",
        "anomaly.raised",
        "order.held",
        "anomaly.resolved",
        "anomaly.resolved",
        "order.validated",
    ]
    assert CanonicalOrder.model_validate(events[-1].data["order"]) == order


async def test_duplicate_placement_publishes_nothing_more(rules: RulesHarness) -> None:
    order = rules.order(items=rules.HIGH_VALUE)
    first = await rules.deliver(OrderPlaced(order=order))
    await rules.resend(first)  # the same record again: the inbox drops it
    await rules.deliver(OrderPlaced(order=order))  # same order under a new event ID: the order row drops it
    assert await rules.outbox_types(order.order_id) == ["anomaly.raised", "order.held"]
    assert len(await rules.anomalies(order.order_id)) == 1
    assert types(await rules.events(order.order_id, "order.held")) == ["anomaly.raised", "order.held"]


async def test_payment_of_a_held_order_waits_for_release(rules: RulesHarness) -> None:
    order = rules.order(paid=False, items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    (anomaly,) = await rules.anomalies(order.order_id)
    paid_at = datetime.now(UTC).replace(microsecond=0)
    await rules.deliver(OrderPaid(order_id=order.order_id, paid_at=paid_at, paid_total_fen=order.paid_total_fen))
    assert await rules.outbox_types(order.order_id) == ["anomaly.raised", "order.held"]

    released = await rules.act("release", anomaly["anomaly_id"])
    assert released.json()["order_validated"] is True
    events = await rules.events(order.order_id, "order.validated")
    assert CanonicalOrder.model_validate(events[-1].data["order"]).paid_at == paid_at


async def test_release_before_payment_validates_on_payment(rules: RulesHarness) -> None:
    order = rules.order(paid=False, items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    (anomaly,) = await rules.anomalies(order.order_id)
    released = await rules.act("release", anomaly["anomaly_id"])
    assert released.status_code == 200 and released.json()["order_validated"] is False

    paid_at = datetime.now(UTC).replace(microsecond=0)
    await rules.send(OrderPaid(order_id=order.order_id, paid_at=paid_at, paid_total_fen=order.paid_total_fen))
    events = await rules.events(order.order_id, "order.validated")
    assert types(events) == ["anomaly.raised", "order.held", "anomaly.resolved", "order.validated"]


async def test_cancelled_order_closes_its_anomalies_and_is_never_cleared(rules: RulesHarness) -> None:
    order = rules.order(paid=False, phone="", items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    await rules.deliver(OrderCancelled(order_id=order.order_id, reason="买家取消"))
    closed = await rules.anomalies(order.order_id)
    assert {(a["status"], a["resolution"], a["note"]) for a in closed} == {("resolved", "cancelled", "买家取消")}
    assert len(closed) == 2

    paid_at = datetime.now(UTC)
    await rules.deliver(OrderPaid(order_id=order.order_id, paid_at=paid_at, paid_total_fen=order.paid_total_fen))
    assert "order.validated" not in await rules.outbox_types(order.order_id)

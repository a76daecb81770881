"""The customer-service queue: filters, order (level, then age), and the response-time KPI."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import OrderPlaced
from orderhub_contracts.order import Channel
from rules.tables import anomalies
from sqlalchemy import update

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
CS = {"Authorization": "Bearer local-cs"}


async def queue(rules: RulesHarness, **params: object) -> list[dict[str, object]]:
    response = await rules.client.get("/v1/anomalies", params=params, headers=CS)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_open_queue_filters_by_rule_province_channel_and_level(rules: RulesHarness) -> None:
    # A province no other test uses, so that the queue can be narrowed to this test's orders.
    province = "青海省"
    place = {"province": province, "city": "西宁市", "district": "城中区", "street": "南大街", "detail": "8号院2单元"}
    held = rules.order(items=rules.HIGH_VALUE, channel=Channel.DOUYIN, **place)  # R11
    missing = rules.order(name="", channel=Channel.PINDUODUO, **place)  # R06
    tagged = rules.order(buyer_remark="开发票", channel=Channel.DOUYIN, **place)  # R12
    for order in (tagged, held, missing):
        await rules.deliver(OrderPlaced(order=order))

    mine = {held.order_id, missing.order_id, tagged.order_id}
    in_province = [a for a in await queue(rules, province=province, limit=500) if a["order_id"] in mine]
    assert [a["rule_id"] for a in in_province] == ["R06", "R11"]  # level 3, 2: what needs a person
    assert {a["status"] for a in in_province} == {"open"}
    reminders = await queue(rules, province=province, level=1, status="resolved", limit=500)  # asked for
    assert [(a["rule_id"], a["resolution"]) for a in reminders if a["order_id"] in mine] == [("R12", "automatic")]
    assert tagged.order_id not in {a["order_id"] for a in await queue(rules, province=province, level=1, limit=500)}
    douyin = await queue(rules, province=province, channel="douyin", limit=500)
    assert held.order_id in {a["order_id"] for a in douyin}
    assert not {missing.order_id, tagged.order_id} & {a["order_id"] for a in douyin}
    only_r11 = await queue(rules, province=province, rule="R11")
    assert held.order_id in {a["order_id"] for a in only_r11} and {a["rule_id"] for a in only_r11} == {"R11"}
    reviews = await queue(rules, province=province, level=[2, 3], limit=500)
    assert tagged.order_id not in {a["order_id"] for a in reviews}

    (r11,) = [a for a in only_r11 if a["order_id"] == held.order_id]
    await rules.act("release", str(r11["anomaly_id"]))
    assert held.order_id not in {a["order_id"] for a in await queue(rules, province=province, rule="R11")}
    resolved = await queue(rules, order_id=held.order_id)  # by order: every status
    assert [(a["rule_id"], a["status"]) for a in resolved] == [("R11", "resolved")]


async def test_older_first_within_a_level(rules: RulesHarness) -> None:
    sku = f"OLD-{uuid.uuid4().hex[:6]}"
    first = rules.order(items=(rules.HIGH_VALUE[0].model_copy(update={"sku": sku}),))
    second = rules.order(items=(rules.HIGH_VALUE[0].model_copy(update={"sku": sku}),))
    for order in (second, first):
        await rules.deliver(OrderPlaced(order=order))
    async with rules.db.begin() as conn:  # the first was raised a while ago
        await conn.execute(
            update(anomalies)
            .where(anomalies.c.order_id == first.order_id)
            .values(raised_at=datetime.now(UTC) - timedelta(hours=3))
        )
    ordered = [a["order_id"] for a in await queue(rules, rule="R11", limit=500)]
    assert ordered.index(first.order_id) < ordered.index(second.order_id)


async def test_response_time_kpi_by_rule_and_level(rules: RulesHarness) -> None:
    orders = [rules.order(items=rules.HIGH_VALUE) for _ in range(10)]  # R11 each
    orders.append(rules.order(name=""))  # R06, left waiting
    orders.append(rules.order(buyer_remark="开发票"))  # R12: closed automatically, not counted
    for order in orders:
        await rules.deliver(OrderPlaced(order=order))
    ids = {o.order_id: (await rules.anomalies(o.order_id))[0]["anomaly_id"] for o in orders[:10]}
    for order in orders[:9]:
        assert (await rules.act("ack", ids[order.order_id], note="已致电客户")).status_code == 200
    assert (await rules.act("release", ids[orders[9].order_id])).status_code == 200  # a release is a response too

    # Move them to a window of their own, responded to after 1..10 minutes.
    window = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(7000))
    async with rules.db.begin() as conn:
        for i, order in enumerate(orders, start=1):
            responded = window + timedelta(hours=i)
            values = {"raised_at": responded - timedelta(minutes=i)}
            if i <= 10:
                values["acknowledged_at"] = responded
            await conn.execute(update(anomalies).where(anomalies.c.order_id == order.order_id).values(**values))

    params = {"since": window.isoformat(), "until": (window + timedelta(days=1)).isoformat()}
    response = await rules.client.get("/v1/anomalies/kpi/response-time", params=params, headers=CS)
    assert response.status_code == 200, response.text
    groups = {(g["rule_id"], g["level"]): g for g in response.json()["groups"]}
    r11 = groups[("R11", 2)]
    assert (r11["raised"], r11["responded"], r11["waiting"]) == (10, 10, 0)
    assert (r11["avg_minutes"], r11["p90_minutes"]) == (5.5, 9.1)
    assert groups[("R06", 3)] | {"avg_minutes": None} == {
        "rule_id": "R06", "level": 3, "raised": 1, "responded": 0, "waiting": 1, "avg_minutes": None,
        "p90_minutes": None,
    }  # fmt: skip
    assert groups[(None, 2)]["raised"] == 10 and groups[(None, 3)]["raised"] == 1
    assert ("R12", 1) not in groups and (None, 1) not in groups
    overall = groups[(None, None)]
    assert (overall["raised"], overall["responded"], overall["avg_minutes"]) == (11, 10, 5.5)

    naive = await rules.client.get(
        "/v1/anomalies/kpi/response-time", params={"since": "2026-01-01T00:00:00"}, headers=CS
    )
    assert naive.status_code == 422

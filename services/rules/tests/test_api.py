"""The customer-service API: the queue, the lifecycle steps, roles, and the rule set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import OrderPaid, OrderPlaced

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_queue_is_most_severe_first_and_filters_by_status(rules: RulesHarness) -> None:
    order = rules.order(name="", items=rules.HIGH_VALUE, buyer_remark="要发票")  # R06, R11, R12
    await rules.deliver(OrderPlaced(order=order))
    queue = await rules.anomalies(order.order_id, "open")
    assert [(a["rule_id"], a["level"], a["holds"]) for a in queue] == [("R06", 3, True), ("R11", 2, True)]
    (tag,) = await rules.anomalies(order.order_id, "resolved")  # level 1 closes by itself
    assert (tag["rule_id"], tag["level"], tag["resolution"], tag["resolved_by"]) == ("R12", 1, "automatic", "系统")
    assert queue[0]["evidence"] == {"receiver_missing": ["name"]}
    assert queue[0]["actions"][1] == {
        "kind": "wecom",
        "target": "regional_manager",
        "text": "收货信息缺失，请联系客户补全后放行",
    }
    assert (queue[0]["province"], queue[0]["channel"]) == ("浙江省", "taobao")

    ack = await rules.act("ack", queue[1]["anomaly_id"], note="正在联系客户")
    assert ack.status_code == 200
    assert [a["rule_id"] for a in await rules.anomalies(order.order_id, "open")] == ["R06"]
    assert [a["rule_id"] for a in await rules.anomalies(order.order_id, "acknowledged")] == ["R11"]
    assert len(await rules.anomalies(order.order_id, "open", "acknowledged")) == 2
    assert len(await rules.anomalies(order.order_id)) == 3  # by order: every status

    bad = await rules.client.get("/v1/anomalies", params={"status": "closed"}, headers=auth("local-cs"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


async def test_lifecycle_steps_and_illegal_ones(rules: RulesHarness) -> None:
    order = rules.order(items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    (anomaly,) = await rules.anomalies(order.order_id)
    anomaly_id = anomaly["anomaly_id"]

    ack = await rules.act("ack", anomaly_id, note="已联系客户确认")
    body = ack.json()
    assert ack.status_code == 200
    assert body["anomaly"]["status"] == "acknowledged" and body["anomaly"]["acknowledged_by"] == "本地客服"
    assert body["anomaly"]["note"] == "已联系客户确认" and body["order_validated"] is False
    assert (await rules.act("ack", anomaly_id)).status_code == 409

    released = await rules.act("release", anomaly_id)
    body = released.json()
    assert released.status_code == 200
    assert (body["anomaly"]["status"], body["anomaly"]["resolution"]) == ("resolved", "released")
    assert body["anomaly"]["note"] == "已联系客户确认"  # kept when the release gives none
    assert body["resolved_anomaly_ids"] == [anomaly_id] and body["order_validated"] is True

    for step in ("ack", "release", "cancel"):
        again = await rules.act(step, anomaly_id)
        assert again.status_code == 409, step
        assert again.json()["error"]["code"] == "conflict"
        assert "resolved (released)" in again.json()["error"]["message"]
    assert (await rules.outbox_types(order.order_id)).count("order.validated") == 1


async def test_one_anomaly_by_id(rules: RulesHarness) -> None:
    order = rules.order(items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    (listed,) = await rules.anomalies(order.order_id)
    one = await rules.client.get(f"/v1/anomalies/{listed['anomaly_id']}", headers=auth("local-cs"))
    assert one.status_code == 200 and one.json() == listed
    missing = await rules.client.get(f"/v1/anomalies/{uuid.uuid4()}", headers=auth("local-cs"))
    assert missing.status_code == 404


async def test_unknown_and_malformed_anomaly_ids(rules: RulesHarness) -> None:
    missing = await rules.act("release", str(uuid.uuid4()))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (await rules.act("ack", "not-a-uuid")).status_code == 422


async def test_cancel_resolves_all_and_later_payment_does_not_clear(rules: RulesHarness) -> None:
    order = rules.order(paid=False, phone="", items=rules.HIGH_VALUE)  # R06 and R11
    await rules.deliver(OrderPlaced(order=order))
    first, second = await rules.anomalies(order.order_id)

    cancelled = await rules.act("cancel", second["anomaly_id"], note="客户要求取消")
    body = cancelled.json()
    assert cancelled.status_code == 200 and body["order_validated"] is False
    assert sorted(body["resolved_anomaly_ids"]) == sorted([first["anomaly_id"], second["anomaly_id"]])
    closed = await rules.anomalies(order.order_id)
    assert {(a["status"], a["resolution"], a["resolved_by"]) for a in closed} == {("resolved", "cancelled", "本地客服")}
    assert (await rules.act("release", first["anomaly_id"])).status_code == 409

    paid = OrderPaid(order_id=order.order_id, paid_at=datetime.now(UTC), paid_total_fen=order.paid_total_fen)
    await rules.deliver(paid)
    assert await rules.outbox_types(order.order_id) == [
        "anomaly.raised",
        "anomaly.raised",
        "order.held",
        "anomaly.resolved",
        "anomaly.resolved",
    ]


async def test_a_reminder_closes_by_itself_and_cannot_be_released(rules: RulesHarness) -> None:
    order = rules.order(buyer_remark="周末送货")  # R12 only: informs, the order goes on at once
    await rules.deliver(OrderPlaced(order=order))
    (reminder,) = await rules.anomalies(order.order_id)
    assert reminder["rule_id"] == "R12" and reminder["holds"] is False
    assert (reminder["status"], reminder["resolution"]) == ("resolved", "automatic")
    released = await rules.act("release", reminder["anomaly_id"])
    assert released.status_code == 409 and "resolved (automatic)" in released.json()["error"]["message"]
    assert await rules.outbox_types(order.order_id) == ["anomaly.raised", "order.validated"]


@pytest.mark.parametrize(
    ("method", "path", "token", "status"),
    [
        ("GET", "/v1/anomalies", None, 401),
        ("GET", "/v1/anomalies", "nope", 401),
        ("GET", "/v1/anomalies", "local-warehouse", 403),
        ("GET", "/v1/anomalies", "local-ops", 200),
        ("GET", "/v1/anomalies", "local-manager", 200),
        ("POST", f"/v1/anomalies/{uuid.uuid4()}/release", "local-ops", 403),
        ("POST", f"/v1/anomalies/{uuid.uuid4()}/ack", "local-warehouse", 403),
        ("POST", f"/v1/anomalies/{uuid.uuid4()}/cancel", "local-manager", 404),
        ("GET", "/v1/rules", "local-warehouse", 403),
        ("GET", "/v1/rules", None, 401),
    ],
)
async def test_roles(rules: RulesHarness, method: str, path: str, token: str | None, status: int) -> None:
    response = await rules.client.request(method, path, headers=auth(token) if token else {})
    assert response.status_code == status, response.text


async def test_active_rule_set_is_readable(rules: RulesHarness) -> None:
    response = await rules.client.get("/v1/rules", headers=auth("local-cs"))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] >= 1 and body["created_by"]
    assert len(body["rules"]) == 18 and {"R01", "R12-ADDR", "R17"} <= {r["id"] for r in body["rules"]}
    r11 = next(r for r in body["rules"] if r["id"] == "R11")
    assert r11["condition"] == "paid_total_cny_fen >= 200000 or max_sku_quantity >= 10" and r11["level"] == 2
    assert {"paid_total_fen", "receiver_missing"} <= {f["name"] for f in body["facts"]}

"""快 and 省 on event histories with known answers, through the topics and the public API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request
from insights.main import create_app
from insights_factory import new_id, raised, resolved, sms, wecom
from insights_support import CS, MANAGER, InsightsEnv
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.testing import eventually, running_app
from orderhub_simulators.testing import serve

pytestmark = pytest.mark.asyncio(loop_scope="session")
DAY = "2026-11-18"
AT = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


async def _kpi(env: InsightsEnv, params: dict[str, str]) -> dict[str, Any]:
    response = await env.client.get("/v1/kpi", params=params, headers=MANAGER)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_response_time_runs_from_raised_to_the_first_contact_that_reached_the_customer(
    insights: InsightsEnv,
) -> None:
    by_sms, uncontacted, reminder, early_sms = new_id(), new_id(), new_id(), new_id()
    # R05 at 10:00, an SMS to the customer at 10:05, acknowledged in the queue at 10:20 (not a contact)
    await insights.publish(raised(by_sms, "R05", 2), AT)
    await insights.publish(wecom(by_sms), AT + timedelta(minutes=1))  # to staff: not a contact
    await insights.publish(sms(by_sms), AT + timedelta(minutes=5))
    # R13 (level 3) at 10:30, never contacted; an SMS sent before it was raised does not count
    await insights.publish(sms(early_sms), AT + timedelta(minutes=29))
    await insights.publish(raised(early_sms, "R13", 3), AT + timedelta(minutes=30))
    await insights.publish(raised(uncontacted, "R13", 3), AT + timedelta(minutes=31))
    # a level-1 reminder needs no person: not counted
    await insights.publish(raised(reminder, "R12", 1), AT + timedelta(minutes=32))
    sms_again = sms(by_sms)
    envelope = await insights.publish(sms_again, AT + timedelta(minutes=6))
    await insights.publish(sms_again, envelope.time)  # redelivered: no second contact

    async def settled() -> dict[str, Any] | None:
        body = await _kpi(insights, {"date": DAY})
        overall = body["response_time"]["overall"]
        # anomalies and SMS come on two topics: wait for both (and for the early SMS's order)
        return body if (overall["anomalies"], overall["contacted"]) == (3, 1) else None

    body = await eventually(settled, timeout_s=30)
    day = body["response_time"]["days"][0]
    assert day["date"] == DAY
    assert day["overall"] == {"anomalies": 3, "contacted": 1, "average_minutes": 5.0, "p90_minutes": 5.0}
    assert day["by_rule"]["R05"]["average_minutes"] == 5.0
    assert day["by_rule"]["R13"] == {"anomalies": 2, "contacted": 0, "average_minutes": None, "p90_minutes": None}
    assert set(day["by_level"]) == {"2", "3"}
    assert day["by_agent"]["系统(短信)"]["contacted"] == 1

    with_reminders = await insights.client.get(
        "/v1/kpi/response-time", params={"date": DAY, "min_level": "1"}, headers=MANAGER
    )
    assert with_reminders.json()["overall"]["anomalies"] == 4


async def test_a_call_logged_by_an_agent_is_the_first_contact(insights: InsightsEnv) -> None:
    order_id = new_id()
    raised_at = datetime.now(SHANGHAI) - timedelta(minutes=30)
    await insights.publish(raised(order_id, "R11", 2), raised_at)
    logged = await insights.client.post(
        f"/v1/orders/{order_id}/contacts", json={"kind": "phone", "note": "已电话核实收货人身份"}, headers=CS
    )
    assert logged.status_code == 201, logged.text
    assert logged.json()["agent"] == "本地客服"
    refused = await insights.client.post(f"/v1/orders/{order_id}/contacts", json={"kind": "pigeon"}, headers=CS)
    assert refused.status_code == 422
    forbidden = await insights.client.post(
        f"/v1/orders/{order_id}/contacts", json={"kind": "chat"}, headers={"Authorization": "Bearer local-warehouse"}
    )
    assert forbidden.status_code == 403

    async def answered() -> dict[str, Any] | None:
        body = await insights.client.get(
            "/v1/kpi/response-time", params={"date": raised_at.date().isoformat()}, headers=MANAGER
        )
        agents = body.json()["days"][0]["by_agent"]
        return agents.get("本地客服")

    summary = await eventually(answered, timeout_s=30)
    assert summary["contacted"] == 1
    assert 29.9 <= summary["average_minutes"] <= 31.0


async def test_orders_handled_per_agent_collapse_double_clicks_and_keep_the_list(insights: InsightsEnv) -> None:
    first, second = new_id(), new_id()
    await insights.publish(resolved(first, "张三"), AT)
    await insights.publish(resolved(first, "张三"), AT + timedelta(seconds=20))  # a double click
    await insights.publish(resolved(second, "张三", "cancelled"), AT + timedelta(seconds=30))
    await insights.publish(resolved(first, "张三"), AT + timedelta(minutes=3))  # later: counts again
    await insights.publish(resolved(second, "李四"), AT + timedelta(minutes=4))
    late_evening = datetime(2026, 11, 18, 23, 59, tzinfo=SHANGHAI)
    await insights.publish(resolved(new_id(), "李四"), late_evening)
    await insights.publish(resolved(new_id(), "李四"), late_evening + timedelta(minutes=2))  # next Shanghai day

    async def settled() -> list[dict[str, Any]] | None:
        body = await _kpi(insights, {"from": DAY, "to": "2026-11-19"})
        rows = body["handled_per_agent"]
        return rows if sum(r["count"] for r in rows) == 6 else None

    rows = await eventually(settled, timeout_s=30)
    counts = {(r["date"], r["agent"]): r["count"] for r in rows}
    assert counts == {(DAY, "张三"): 3, (DAY, "李四"): 2, ("2026-11-19", "李四"): 1}
    zhang = next(r for r in rows if r["agent"] == "张三")
    assert [a["subject"] for a in zhang["actions"]] == [first, second, first]
    only = await insights.client.get("/v1/kpi/handled", params={"date": DAY, "agent": "李四"}, headers=MANAGER)
    assert [r["count"] for r in only.json()] == [2]


async def test_kpis_are_for_managers_and_ranges_are_checked(insights: InsightsEnv) -> None:
    assert (await insights.client.get("/v1/kpi", headers=CS)).status_code == 403
    backwards = await insights.client.get("/v1/kpi", params={"from": "2026-11-05", "to": "2026-11-01"}, headers=MANAGER)
    assert backwards.status_code == 400
    assert "before it starts" in backwards.json()["error"]["message"]
    bad = await insights.client.get("/v1/kpi", params={"date": "2026-13-40"}, headers=MANAGER)
    assert bad.status_code == 422


async def test_the_kpi_answer_carries_status_accuracy_from_fulfillment(insights: InsightsEnv) -> None:
    """稳 comes from fulfillment's public API with the manager's own token; when fulfillment cannot
    answer, the other two KPIs still come, and the answer says why 稳 is missing."""
    seen: list[tuple[str, str, str]] = []
    fulfillment = FastAPI()

    @fulfillment.get("/v1/kpi/status-accuracy")
    async def accuracy(request: Request) -> dict[str, Any]:
        seen.append((request.headers["authorization"], request.query_params["from"], request.query_params["to"]))
        return {"first_day": DAY, "last_day": DAY, "sampled": 50, "agreed": 49, "accuracy": 0.98, "mismatches": []}

    async with serve(fulfillment) as port:
        settings = insights.settings.model_copy(update={"fulfillment_url": f"http://127.0.0.1:{port}"})
        async with running_app(create_app(settings, insights.runtime)) as client:
            body = (await client.get("/v1/kpi", params={"date": DAY}, headers=MANAGER)).json()
    assert seen == [(MANAGER["Authorization"], DAY, DAY)]
    assert body["status_accuracy"]["available"] is True and body["status_accuracy"]["accuracy"] == 0.98

    body = await _kpi(insights, {"date": DAY})  # this one's fulfillment URL has nobody listening
    assert body["status_accuracy"]["available"] is False
    assert "fulfillment" in body["status_accuracy"]["reason"]
    assert body["response_time"]["overall"]["anomalies"] >= 0 and "handled_per_agent" in body

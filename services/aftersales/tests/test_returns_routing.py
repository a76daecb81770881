"""Routing: a new ticket goes to the least-loaded on-duty agent of its product category, else to
the shared queue; a manager sets the table; reassigning is a call with a note."""

from __future__ import annotations

import uuid

import pytest
from aftersales_harness import CS, MANAGER, AftersalesEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_least_loaded_on_duty_agent_of_the_category(aftersales: AftersalesEnv) -> None:
    tag = uuid.uuid4().hex[:6]
    category, first, second = f"厨房电器-{tag}", f"a-客服甲-{tag}", f"b-客服乙-{tag}"
    table = {"routes": [{"category": category, "agents": [first, second]}]}
    assert (await aftersales.client.put("/v1/return-routing", json=table, headers=CS)).status_code == 403
    put = await aftersales.client.put("/v1/return-routing", json=table, headers=MANAGER)
    assert put.status_code == 200 and put.json() == table
    sku, other = aftersales.sku(), aftersales.sku()
    await aftersales.categorise(sku, category)
    order = await aftersales.place({sku: (10, 1_000), other: (1, 500)})

    async def routed_to() -> str:
        ticket_id = await aftersales.filed(order.order_id, {sku: 1})
        ticket = await aftersales.ticket(ticket_id)
        assert ticket["category"] == category
        return str(ticket["assignee"])

    assert (await routed_to(), await routed_to(), await routed_to()) == (first, second, first)
    off = await aftersales.client.put(f"/v1/agents/{first}/duty", json={"on_duty": False}, headers=CS)
    assert off.status_code == 200 and off.json()["open_tickets"] == 2
    assert await routed_to() == second  # first is off duty, whatever their load
    await aftersales.client.put(f"/v1/agents/{second}/duty", json={"on_duty": False}, headers=CS)
    assert await routed_to() == ""  # nobody on duty: the shared queue
    await aftersales.client.put(f"/v1/agents/{first}/duty", json={"on_duty": True}, headers=CS)
    assert await routed_to() == first

    uncategorised = await aftersales.filed(order.order_id, {other: 1})
    assert (await aftersales.ticket(uncategorised))["assignee"] == ""
    queue = await aftersales.client.get("/v1/returns", params={"assignee": "", "order": order.order_id}, headers=CS)
    assert uncategorised in [t["ticket_id"] for t in queue.json()]

    moved = await aftersales.client.post(
        f"/v1/returns/{uncategorised}/assign", json={"assignee": second, "note": "熟悉这个品类"}, headers=CS
    )
    assert moved.status_code == 200 and moved.json()["assignee"] == second
    theirs = await aftersales.client.get("/v1/returns", params={"assignee": second}, headers=CS)
    assert uncategorised in [t["ticket_id"] for t in theirs.json()]
    filtered = await aftersales.client.get(
        "/v1/returns", params={"category": category, "status": "requested"}, headers=CS
    )
    assert len(filtered.json()) == 6
    assert "return.reassigned" in await aftersales.ticket_events(uncategorised, order.order_id)
    agents = {a["agent"]: a for a in (await aftersales.client.get("/v1/agents", headers=CS)).json()}
    assert agents[first]["categories"] == [category] and agents[second]["on_duty"] is False

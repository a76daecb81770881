"""The walking skeleton end to end: a phone order through ingest, rules, fulfillment and notify,
all five services running as processes on a real broker and Postgres."""

from __future__ import annotations

import uuid

import httpx
import pytest
from e2e_flow import CS, WAREHOUSE, get_order, messages_for, order_body, scan_out, set_stock, wait_for_status
from orderhub_contracts.topics import Topic
from orderhub_devstack.system import SystemUnderTest
from orderhub_devstack.testing import read_topic

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def _sku() -> str:
    return f"HUM-{uuid.uuid4().hex[:6].upper()}"


async def test_clean_paid_order_is_allocated_and_customer_gets_one_sms(system: SystemUnderTest) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 5)
        response = await client.post(
            f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku, quantity=2, phone="13812345678"), headers=CS
        )
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        assert order_id.startswith("DABE") and len(order_id) == 4 + 12 + 5

        order = await wait_for_status(
            client, system, order_id, "allocated", needs=("order.placed", "order.validated", "shipment.created")
        )
        assert order["buyer_remark"] == "请勿周末送货"
        assert order["items"][0]["sku"] == sku
        assert "13812345678" not in response.text + str(order), "the phone is masked on screen"
        shipment = next(e for e in order["timeline"] if e["event_type"] == "shipment.created")
        waybill = shipment["data"]["waybill_no"]
        # The customer's one SMS goes when the parcel leaves the warehouse, not at allocation.
        await scan_out(client, system, waybill)
        await wait_for_status(client, system, order_id, "shipped", needs=("notification.sent",))
        sms = await messages_for(client, system, order_id)
        assert len(sms) == 1
        assert waybill and waybill in sms[0]["text"]
        assert sms[0]["recipient_masked"] == "138****5678"

        stock = await client.get(f"{system.url('fulfillment')}/v1/stock/{sku}", headers=WAREHOUSE)
        assert stock.json()["reserved"] == 2


async def test_high_value_order_is_held_and_gets_no_waybill(system: SystemUnderTest) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 50)
        response = await client.post(
            f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku, quantity=1, unit_price_fen=250000), headers=CS
        )
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        order = await wait_for_status(client, system, order_id, "on_hold", needs=("anomaly.raised", "order.held"))
        raised = {e["data"]["rule_id"]: e["data"] for e in order["timeline"] if e["event_type"] == "anomaly.raised"}
        assert raised["R11"]["level"] == 2 and raised["R11"]["holds"]
        assert all(not data["holds"] for rule, data in raised.items() if rule != "R11"), "only R11 holds this order"

        anomalies = await client.get(f"{system.url('rules')}/v1/anomalies", params={"order_id": order_id}, headers=CS)
        assert anomalies.status_code == 200
        outbound = await client.get(
            f"{system.url('fulfillment')}/v1/outbound", params={"order_id": order_id}, headers=WAREHOUSE
        )
        assert outbound.status_code == 200
        body = outbound.json()
        assert (body["items"] if isinstance(body, dict) else body) == []
        assert await messages_for(client, system, order_id) == []
        assert (await get_order(client, system, order_id))["status"] == "on_hold"


async def test_missing_receiver_is_held_by_r06(system: SystemUnderTest) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        body = order_body(sku=sku)
        body["receiver"]["phone"] = ""
        response = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
        assert response.status_code == 201, response.text
        order = await wait_for_status(client, system, response.json()["order_id"], "on_hold", needs=("order.held",))
        assert any(e["event_type"] == "anomaly.raised" and e["data"]["rule_id"] == "R06" for e in order["timeline"])


async def test_duplicate_submission_is_one_order_and_one_event(system: SystemUnderTest) -> None:
    sku = _sku()
    body = order_body(sku=sku, paid=False)
    async with httpx.AsyncClient(timeout=10) as client:
        first = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
        second = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
    assert first.status_code == 201 and second.status_code == 200
    order_id = first.json()["order_id"]
    assert second.json()["order_id"] == order_id
    placed = await read_topic(
        system.bootstrap, Topic.ORDERS.value, timeout_s=5, until=lambda evs: any(e.subject == order_id for e in evs)
    )
    assert [e.type for e in placed if e.subject == order_id] == ["order.placed"]


async def test_bad_request_is_a_clear_4xx_and_stores_nothing(system: SystemUnderTest) -> None:
    body = order_body(sku=_sku())
    body["items"][0]["quantity"] = 0
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
        assert response.status_code == 422
        error = response.json()["error"]
        assert "quantity" in error["message"]
        no_token = await client.post(f"{system.url('ingest')}/v1/orders", json=order_body(sku=_sku()))
        assert no_token.status_code == 401
        search = await client.post(f"{system.url('ingest')}/v1/orders", json=body | {"items": []}, headers=CS)
        assert search.status_code == 422
        body["items"][0]["quantity"] = 1
        fixed = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
        assert fixed.status_code == 201, "the rejected attempt left nothing behind that blocks a corrected one"

"""Order changes end to end, through the public APIs of all five services as processes: an address
changed after the freeze window voids the order and places it again, and the customer's ¥5
compensation coupon is drawn from the marketing budget pool and announced by SMS; a cancel releases
the stock to a waiting order."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_flow import CS, WAREHOUSE, messages_for, order_body, set_stock, wait_for_status
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.system import SystemUnderTest
from orderhub_devstack.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
MANAGER = {"Authorization": "Bearer local-manager"}
NEW_RECEIVER = {
    "name": "李四",
    "phone": "13900001111",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "street": "文新街道",
    "detail": "文三路200号5幢301室",
}


def _sku() -> str:
    return f"HUM-{uuid.uuid4().hex[:6].upper()}"


def _created_ago(body: dict[str, Any], minutes: int) -> dict[str, Any]:
    then = (datetime.now(SHANGHAI) - timedelta(minutes=minutes)).replace(microsecond=0).isoformat()
    return {**body, "created_at": then, "paid_at": then}


async def test_an_address_change_after_the_window_reorders_and_sends_the_coupon(system: SystemUnderTest) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        pool = await client.put(
            f"{system.url('aftersales')}/v1/budget-pools/marketing", json={"amount_fen": 10_000}, headers=MANAGER
        )
        assert pool.status_code == 200, pool.text
        balance = pool.json()["balance_fen"]
        await set_stock(client, system, sku, 5)
        placed = await client.post(
            f"{system.url('ingest')}/v1/orders", json=_created_ago(order_body(sku=sku), 20), headers=CS
        )
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["order_id"]
        await wait_for_status(client, system, order_id, "allocated", needs=("shipment.created",))

        changed = await client.post(
            f"{system.url('ingest')}/v1/orders/{order_id}/address",
            json={"receiver": NEW_RECEIVER, "reason": "客户搬家"},
            headers=CS,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["outcome"] == "reordered"
        new_id = changed.json()["new_order_id"]

        voided = await wait_for_status(client, system, order_id, "cancelled", needs=("order.reordered",))
        assert any(new_id in e["summary"] for e in voided["timeline"] if e["event_type"] == "order.reordered")
        again = await wait_for_status(client, system, new_id, "allocated", needs=("shipment.created",))
        assert any(order_id in e["summary"] for e in again["timeline"] if e["event_type"] == "order.reordered")
        new_outbound = await client.get(
            f"{system.url('fulfillment')}/v1/outbound", params={"order_id": new_id}, headers=WAREHOUSE
        )
        assert "杭州市" in new_outbound.json()["items"][0]["receiver"]["address"]

        async def outbound_cancelled() -> bool:
            response = await client.get(
                f"{system.url('fulfillment')}/v1/outbound", params={"order_id": order_id}, headers=WAREHOUSE
            )
            return bool(response.json()["cancelled"])

        await eventually(outbound_cancelled, timeout_s=30)
        stock = await client.get(f"{system.url('fulfillment')}/v1/stock/{sku}", headers=WAREHOUSE)
        assert stock.json()["reserved"] == 1  # the voided order's unit went back; the new order holds one

        async def coupon() -> list[dict[str, Any]] | None:
            response = await client.get(
                f"{system.url('aftersales')}/v1/coupons", params={"order_id": order_id}, headers=CS
            )
            found: list[dict[str, Any]] = response.json()
            return found or None

        (issued,) = await eventually(coupon, timeout_s=30)
        assert issued["amount_fen"] == 500 and issued["customer_phone"] == "139****1111"
        pool_after = (await client.get(f"{system.url('aftersales')}/v1/budget-pools/marketing", headers=CS)).json()
        assert pool_after["balance_fen"] == balance - 500
        assert any(e["order_id"] == order_id and e["kind"] == "draw" for e in pool_after["ledger"])

        async def coupon_sms() -> list[dict[str, Any]] | None:
            sent = [m for m in await messages_for(client, system, order_id) if m["template"] == "coupon_issued"]
            return sent or None

        (sms,) = await eventually(coupon_sms, timeout_s=30)
        assert issued["coupon_code"] in sms["text"] and sms["recipient_masked"] == "139****1111"


async def _anomaly_id(client: httpx.AsyncClient, system: SystemUnderTest, order_id: str, rule_id: str) -> str:
    async def found() -> str | None:
        response = await client.get(f"{system.url('rules')}/v1/anomalies", params={"order_id": order_id}, headers=CS)
        ids = [str(a["anomaly_id"]) for a in response.json()["items"] if a["rule_id"] == rule_id]
        return ids[0] if ids else None

    return await eventually(found, timeout_s=30)


async def test_a_cancel_releases_the_stock_to_a_waiting_order_and_the_queue_cancels_orders(
    system: SystemUnderTest,
) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 1)
        first = await client.post(f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
        first_id = first.json()["order_id"]
        await wait_for_status(client, system, first_id, "allocated", needs=("shipment.created",))
        waiting = await client.post(f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
        waiting_id = waiting.json()["order_id"]
        third = await client.post(f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku), headers=CS)
        third_id = third.json()["order_id"]
        for order_id in (waiting_id, third_id):  # no stock: R09 holds them
            await wait_for_status(client, system, order_id, "on_hold", needs=("stock.shortage",))

        cancelled = await client.post(
            f"{system.url('ingest')}/v1/orders/{first_id}/cancel", json={"reason": "客户不要了"}, headers=CS
        )
        assert cancelled.status_code == 200, cancelled.text
        await wait_for_status(client, system, first_id, "cancelled")
        # Customer service cancels the third order's anomaly in the queue: the order is cancelled.
        third_anomaly = await _anomaly_id(client, system, third_id, "R09")
        queue = await client.post(f"{system.url('rules')}/v1/anomalies/{third_anomaly}/cancel", headers=CS)
        assert queue.status_code == 200, queue.text
        await wait_for_status(client, system, third_id, "cancelled", needs=("order.cancelled",))
        # Releasing the waiting order's hold, the unit the cancelled order freed is its.
        waiting_anomaly = await _anomaly_id(client, system, waiting_id, "R09")
        released = await client.post(f"{system.url('rules')}/v1/anomalies/{waiting_anomaly}/release", headers=CS)
        assert released.status_code == 200, released.text
        await wait_for_status(client, system, waiting_id, "allocated", needs=("shipment.created",))
        stock = await client.get(f"{system.url('fulfillment')}/v1/stock/{sku}", headers=WAREHOUSE)
        assert stock.json()["reserved"] == 1

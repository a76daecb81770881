"""Notifications end to end, all five services as processes: a held order's level-3 anomaly
reaches the regional manager of its province on WeCom exactly once, and a shipment reaches the
customer as exactly one SMS carrying the waybill number, when the parcel is scanned out (the
allocation sends none); customer service reads both in the
delivery log (GET /v1/messages?order_id=)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from e2e_flow import get_order, messages_for, order_body, scan_out, set_stock, wait_for_status
from notify.routing import local_routing
from orderhub_devstack.system import SystemUnderTest
from orderhub_devstack.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
CS = {"Authorization": "Bearer local-cs"}


def _sku() -> str:
    return f"NTF-{uuid.uuid4().hex[:6].upper()}"


async def _settled(client: httpx.AsyncClient, sut: SystemUnderTest, order_id: str, count: int) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        items = await messages_for(client, sut, order_id)
        return items if len([m for m in items if m["status"] in ("sent", "failed")]) >= count else None

    return await eventually(check, timeout_s=30.0, interval_s=0.2)


async def test_a_level_3_hold_sends_one_wecom_message_to_the_provinces_regional_manager(
    system: SystemUnderTest,
) -> None:
    body = order_body(sku=_sku())
    body["receiver"]["phone"] = ""  # R06 收货信息缺失: level 3, held, WeCom to the regional manager
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{system.url('ingest')}/v1/orders", json=body, headers=CS)
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        order = await wait_for_status(
            client, system, order_id, "on_hold", needs=("anomaly.raised", "order.held", "notification.sent")
        )
        # What rules asked for, read from the anomaly.raised events (the contract between the services).
        raised = [e["data"] for e in order["timeline"] if e["event_type"] == "anomaly.raised"]
        asks = [
            (data["rule_id"], action["text"])
            for data in raised
            if data["level"] == 3 and data["holds"]
            for action in data["actions"]
            if action["kind"] == "wecom" and action["target"] == "regional_manager"
        ]
        assert asks, f"a level-3 hold with a WeCom action for the regional manager; raised: {raised}"

        messages = await _settled(client, system, order_id, len(asks))
        manager = local_routing().regional_manager(body["receiver"]["province"]).address
        wecom = [m for m in messages if m["channel"] == "wecom"]
        assert len(wecom) == len(asks), "exactly one WeCom message per action"
        for (rule_id, text), message in zip(sorted(asks), sorted(wecom, key=lambda m: m["text"]), strict=True):
            assert (message["status"], message["recipient_masked"], message["attempts"]) == ("sent", manager, 1)
            assert rule_id in message["text"] and text in message["text"] and order_id in message["text"]
            assert message["provider_message_id"] and message["template"] == "anomaly_wecom"
        assert [m for m in messages if m["channel"] == "sms"] == [], "no phone, no SMS"
        sent = [
            e for e in (await get_order(client, system, order_id))["timeline"] if e["event_type"] == "notification.sent"
        ]
        assert len(sent) == len(asks)


async def test_a_shipment_sends_the_customer_exactly_one_sms_with_the_waybill_number(system: SystemUnderTest) -> None:
    sku = _sku()
    async with httpx.AsyncClient(timeout=10) as client:
        await set_stock(client, system, sku, 3)
        response = await client.post(
            f"{system.url('ingest')}/v1/orders", json=order_body(sku=sku, phone="13912345678"), headers=CS
        )
        assert response.status_code == 201, response.text
        order_id = response.json()["order_id"]
        order = await wait_for_status(client, system, order_id, "allocated", needs=("shipment.created",))
        [shipment] = [e["data"] for e in order["timeline"] if e["event_type"] == "shipment.created"]
        assert await messages_for(client, system, order_id) == [], "allocation sends no SMS"

        await scan_out(client, system, shipment["waybill_no"])
        order = await wait_for_status(
            client, system, order_id, "shipped", needs=("shipment.dispatched", "notification.sent")
        )
        [sms] = await _settled(client, system, order_id, 1)
        assert (sms["channel"], sms["template"], sms["status"], sms["attempts"]) == (
            "sms",
            "shipment_dispatched",
            "sent",
            1,
        )
        assert shipment["waybill_no"] in sms["text"] and order_id in sms["text"]
        assert sms["recipient_masked"] == "139****5678" and "13912345678" not in str(sms)
        assert sms["provider"] == "recording" and sms["provider_message_id"]
        assert sms["sent_at"] and sms["created_at"]
        [note] = [e for e in order["timeline"] if e["event_type"] == "notification.sent"]
        assert note["data"]["message_id"] == sms["message_id"]

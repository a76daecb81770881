"""The delivery log over HTTP: staff only, filtered, newest first, recipients masked."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from orderhub_contracts.events import AnomalyAction

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")
CS = {"Authorization": "Bearer local-cs"}
WAREHOUSE = {"Authorization": "Bearer local-warehouse"}


async def test_the_log_filters_by_order_and_masks_recipients(notify: NotifyEnv, events: EventFactory) -> None:
    phone = events.phone()
    shipped = events.dispatch(phone=phone)
    await notify.publish(shipped)
    await notify.settled(shipped.order_id, 1)
    action = AnomalyAction(kind="wecom", target="ops_manager", text="请核实")
    await notify.publish(events.anomaly(action, order_id=shipped.order_id))
    other = events.dispatch(phone=phone)
    await notify.publish(other)
    await notify.settled(shipped.order_id, 2)
    await notify.settled(other.order_id, 1)

    response = await notify.client.get("/v1/messages", params={"order_id": shipped.order_id}, headers=CS)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(m["channel"], m["template"]) for m in items] == [
        ("wecom", "anomaly_wecom"),
        ("sms", "shipment_dispatched"),
    ]
    assert {m["order_id"] for m in items} == {shipped.order_id}, "newest first, only this order"
    sms = items[1]
    assert sms["recipient_masked"] == f"{phone[:3]}****{phone[-4:]}"
    assert phone not in response.text and "recipient" not in sms
    assert shipped.waybill_no in sms["text"]
    assert (sms["status"], sms["attempts"], sms["provider"]) == ("sent", 1, "recording")
    assert sms["provider_message_id"] and sms["sent_at"] and sms["created_at"].endswith("+08:00")

    only_sms = await notify.client.get(
        "/v1/messages", params={"order_id": shipped.order_id, "channel": "sms", "status": "sent"}, headers=WAREHOUSE
    )
    assert [m["message_id"] for m in only_sms.json()["items"]] == [sms["message_id"]]
    none_failed = await notify.client.get(
        "/v1/messages", params={"order_id": shipped.order_id, "status": "failed"}, headers=CS
    )
    assert none_failed.json()["items"] == []

    one = await notify.client.get(f"/v1/messages/{sms['message_id']}", headers=CS)
    assert one.status_code == 200 and one.json() == sms


async def test_without_filters_the_log_is_newest_first_up_to_the_limit(notify: NotifyEnv, events: EventFactory) -> None:
    for _ in range(3):
        event = events.dispatch()
        await notify.publish(event)
        await notify.settled(event.order_id, 1)
    response = await notify.client.get("/v1/messages", params={"limit": 2}, headers=CS)
    items = response.json()["items"]
    assert len(items) == 2 and items[0]["order_id"] == event.order_id
    assert items[0]["created_at"] >= items[1]["created_at"]


async def test_staff_token_is_required(notify: NotifyEnv) -> None:
    missing = await notify.client.get("/v1/messages")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    unknown = await notify.client.get("/v1/messages", headers={"Authorization": "Bearer nobody"})
    assert unknown.status_code == 401
    one = await notify.client.get(f"/v1/messages/{uuid.uuid4()}")
    assert one.status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/v1/messages", {"limit": 0}, 422, "limit"),
        ("/v1/messages", {"limit": 1000}, 422, "limit"),
        ("/v1/messages", {"channel": "fax"}, 422, "channel"),
        ("/v1/messages", {"status": "lost"}, 422, "status"),
        ("/v1/messages/not-a-uuid", {}, 422, "message_id"),
    ],
)
async def test_bad_queries_are_clear_4xx(
    notify: NotifyEnv, path: str, params: dict[str, object], status: int, field: str
) -> None:
    response = await notify.client.get(path, params=params, headers=CS)
    assert response.status_code == status
    assert field in response.json()["error"]["message"]


async def test_an_unknown_message_is_404(notify: NotifyEnv) -> None:
    response = await notify.client.get(f"/v1/messages/{uuid.uuid4()}", headers=CS)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

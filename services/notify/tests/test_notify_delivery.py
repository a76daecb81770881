"""Events in, messages out: the notify app against the real Postgres and broker."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pytest
import structlog
from notify.tables import messaging
from orderhub_contracts.events import AnomalyAction, ShipmentDispatched, to_envelope
from orderhub_contracts.topics import Topic
from sqlalchemy import func, select

if TYPE_CHECKING:
    from conftest import EventFactory, NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_dispatch_sends_the_customer_one_sms(notify: NotifyEnv, events: EventFactory) -> None:
    event = events.dispatch(phone="+86 138-0013-8000", waybill_no="LC000000004711")
    envelope = await notify.publish(event)

    [message] = await notify.settled(event.order_id, 1)
    assert message["status"] == "sent" and message["attempts"] == 1
    assert (message["channel"], message["template"], message["event_id"]) == ("sms", "shipment_dispatched", envelope.id)
    assert (message["recipient"], message["recipient_masked"]) == ("13800138000", "138****8000")
    assert message["text"] == f"【订单中枢】您的订单{event.order_id}已发货，本地快递运单号LC000000004711，请注意查收。"

    [recorded] = await notify.recorded(str(message["message_id"]))
    assert recorded["recipient"] == "13800138000", "the provider gets the full number"
    assert recorded["template_code"] == "shipment_dispatched"
    assert recorded["params"] == {"order_id": event.order_id, "carrier": "本地快递", "waybill_no": "LC000000004711"}
    assert recorded["provider_message_id"] == message["provider_message_id"]

    published = await notify.notifications(until=lambda evs: any(e.subject == event.order_id for e in evs))
    [sent] = [e for e in published if e.subject == event.order_id]
    assert sent.type == "notification.sent"
    assert sent.causation_id == envelope.id, "traceable to the shipment it announces"
    assert "LC000000004711" in sent.data["text"]
    assert sent.data["message_id"] == str(message["message_id"])
    assert sent.data["recipient_masked"] == "138****8000"
    assert (sent.data["provider"], sent.data["provider_message_id"]) == ("recording", recorded["provider_message_id"])


async def test_the_same_event_delivered_twice_is_one_message_and_one_event(
    notify: NotifyEnv, events: EventFactory
) -> None:
    first = events.dispatch()
    envelope = await notify.publish(first)
    await notify.publish_envelope(envelope, Topic.FULFILLMENT)
    # Same key, same partition, published last: once it is handled the duplicate was seen before it.
    marker = await notify.publish(events.dispatch(order_id=first.order_id, phone=first.receiver.phone))

    rows = await notify.settled(first.order_id, 2)
    assert sorted(r["event_id"] for r in rows) == sorted([envelope.id, marker.id])
    assert len(await notify.recorded(str(rows[0]["message_id"]))) == 1

    def both_announced(evs: list[Any]) -> bool:
        return len([e for e in evs if e.subject == first.order_id]) >= 2

    published = await notify.notifications(until=both_announced)
    assert [e.type for e in published if e.causation_id == envelope.id] == ["notification.sent"]


async def test_a_replay_the_inbox_no_longer_remembers_still_sends_nothing_twice(
    notify: NotifyEnv, events: EventFactory
) -> None:
    event = events.dispatch()
    envelope = to_envelope(event, source="orderhub/test")
    for _ in range(2):  # straight to the handler, as after the inbox entry was purged
        async with notify.db.transaction() as tx:
            await notify.handlers[ShipmentDispatched.event_type](tx, envelope, event)

    [message] = await notify.settled(event.order_id, 1)
    assert len(await notify.recorded(str(message["message_id"]))) == 1
    outbox = messaging.outbox
    query = select(func.count()).where(outbox.c.key == event.order_id, outbox.c.event_type == "notification.sent")
    async with notify.engine.connect() as conn:
        assert (await conn.execute(query)).scalar_one() == 1


async def test_a_wecom_action_for_the_regional_manager_goes_to_that_province(
    notify: NotifyEnv, events: EventFactory
) -> None:
    action = AnomalyAction(kind="wecom", target="regional_manager", text="高风险地址，请核实后处理")
    event = events.anomaly(action, province="浙江省")
    envelope = await notify.publish(event)

    [message] = await notify.settled(event.order_id, 1)
    assert message["status"] == "sent", "the hold action is not a message; the wecom one is"
    assert (message["channel"], message["template"]) == ("wecom", "anomaly_wecom")
    assert message["recipient"] == "user:zj-manager", "the route configured for 浙江"
    assert (
        message["text"] == f"【订单异常·拦截】高风险地址（R01，3级）\n订单：{event.order_id}\n高风险地址，请核实后处理"
    )
    [recorded] = await notify.recorded_for(message["provider_message_id"])
    assert (recorded["recipient"], recorded["text"]) == ("user:zj-manager", message["text"])

    published = await notify.notifications(until=lambda evs: any(e.causation_id == envelope.id for e in evs))
    [sent] = [e for e in published if e.causation_id == envelope.id]
    assert (sent.type, sent.data["channel"], sent.data["recipient_masked"]) == (
        "notification.sent",
        "wecom",
        "user:zj-manager",
    )


async def test_each_message_action_of_an_anomaly_is_delivered_or_fails_on_its_own(
    notify: NotifyEnv, events: EventFactory
) -> None:
    phone = events.phone()
    event = events.anomaly(
        AnomalyAction(kind="sms", target="customer", text="您的订单即将关闭，请及时付款"),
        AnomalyAction(kind="wecom", target="warehouse_group", text="发货超时风险"),
        AnomalyAction(kind="wecom", target="night_shift", text="无人值守"),
        AnomalyAction(kind="popup", target="cs", text="不是消息"),
        phone=phone,
    )
    envelope = await notify.publish(event)

    rows = {r["recipient"]: r for r in await notify.settled(event.order_id, 3)}
    assert set(rows) == {phone, "robot:warehouse_group", "role:night_shift"}
    assert rows[phone]["text"] == f"【订单中枢】您的订单即将关闭，请及时付款（订单号{event.order_id}）"
    assert rows["robot:warehouse_group"]["status"] == "sent"
    unknown = rows["role:night_shift"]
    assert (unknown["status"], unknown["error_code"], unknown["attempts"]) == ("failed", "unknown_target", 0)

    def three(evs: list[Any]) -> bool:
        return len([e for e in evs if e.causation_id == envelope.id]) >= 3

    published = [e for e in await notify.notifications(until=three) if e.causation_id == envelope.id]
    assert sorted(e.type for e in published) == ["notification.failed", "notification.sent", "notification.sent"]


async def test_a_blank_phone_is_a_permanent_failure_not_a_send(notify: NotifyEnv, events: EventFactory) -> None:
    event = events.dispatch(phone="  ")
    envelope = await notify.publish(event)

    [message] = await notify.settled(event.order_id, 1)
    assert (message["status"], message["error_code"], message["attempts"]) == ("failed", "no_recipient", 0)
    assert message["provider_message_id"] is None and message["sent_at"] is None
    assert await notify.recorded(str(message["message_id"])) == []

    published = await notify.notifications(until=lambda evs: any(e.causation_id == envelope.id for e in evs))
    [failed] = [e for e in published if e.causation_id == envelope.id]
    assert failed.type == "notification.failed"
    assert failed.data["error_code"] == "no_recipient" and failed.data["permanent"] is True
    assert failed.data["template"] == "shipment_dispatched"


async def test_logs_never_carry_the_full_phone_number(notify: NotifyEnv, events: EventFactory) -> None:
    phone = events.phone()
    masked = f"{phone[:3]}****{phone[-4:]}"
    recording = logging.getLogger("notify.providers.recording")
    recording.setLevel(logging.DEBUG)  # the recording provider logs what it records at debug level
    try:
        with structlog.testing.capture_logs() as logs:
            event = events.dispatch(phone=phone)
            await notify.publish(event)
            await notify.settled(event.order_id, 1)
    finally:
        recording.setLevel(logging.NOTSET)

    recorded = [e for e in logs if e["event"] == "sms.recorded" and e.get("phone") == masked]
    assert recorded, f"the recording provider logs the masked phone; captured: {[e['event'] for e in logs]}"
    [sent] = [e for e in logs if e["event"] == "notification.sent" and e.get("recipient") == masked]
    assert sent["provider"] == "recording" and sent["template"] == "shipment_dispatched"
    leaks = [e for e in logs if phone in repr(e)]
    assert leaks == []


async def test_a_send_is_one_info_line_with_the_masked_phone(notify: NotifyEnv, events: EventFactory) -> None:
    """Nothing but the sender's line per message at info level: logging is on the hot path."""
    phone = events.phone()
    with structlog.testing.capture_logs() as logs:
        event = events.dispatch(phone=phone)
        await notify.publish(event)
        await notify.settled(event.order_id, 1)

    mine = [e for e in logs if phone[-4:] in repr(e) and e.get("log_level") != "debug"]
    assert [e["event"] for e in mine] == ["notification.sent"]

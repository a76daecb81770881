"""The sender against the provider simulators: retried and not-retried failures, an ambiguous
timeout and a crash between the provider call and the commit settled without a second send,
and the per-phone and per-robot limits holding messages with their reason."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import pytest
from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import AnomalyAction
from orderhub_devstack.testing import eventually

if TYPE_CHECKING:
    from conftest import Backends, EventFactory, WiredEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def announced(env: WiredEnv, envelope: Envelope, count: int = 1) -> list[Envelope]:
    def enough(evs: list[Envelope]) -> bool:
        return len([e for e in evs if e.causation_id == envelope.id]) >= count

    return [e for e in await env.notifications(until=enough) if e.causation_id == envelope.id]


def sends_to(env: WiredEnv, phone: str) -> list[dict[str, Any]]:
    return [r for r in env.sims.aliyun.received("SendSms") if r["phone"] == phone]


async def test_a_shipment_sms_goes_out_through_aliyun_once(wired: WiredEnv, events: EventFactory) -> None:
    event = events.dispatch()
    envelope = await wired.publish(event)
    [message] = await wired.settled(event.order_id, 1)
    assert (message["status"], message["provider"], message["attempts"]) == ("sent", "aliyun", 1)
    [sent] = sends_to(wired, event.receiver.phone)
    assert sent["out_id"] == str(message["message_id"]) and sent["biz_id"] == message["provider_message_id"]
    assert sent["template_param"]["waybill_no"] == event.waybill_no
    [note] = await announced(wired, envelope)
    assert (note.type, note.data["provider"]) == ("notification.sent", "aliyun")


@pytest.mark.parametrize("fault", ["rate_limited", "server_error"])
async def test_throttling_and_5xx_are_retried_with_backoff(wired: WiredEnv, events: EventFactory, fault: str) -> None:
    await wired.sims.aliyun.fault(fault)
    event = events.dispatch()
    envelope = await wired.publish(event)
    [message] = await wired.settled(event.order_id, 1)
    assert (message["status"], message["attempts"]) == ("sent", 2), "refused once, sent on the retry"
    assert message["error_code"] is None
    assert len(sends_to(wired, event.receiver.phone)) == 1
    assert [e.type for e in await announced(wired, envelope)] == ["notification.sent"]


async def test_retries_end_after_max_attempts_with_a_non_permanent_failure(
    wired: WiredEnv, events: EventFactory
) -> None:
    await wired.sims.aliyun.fault("rate_limited", count=wired.settings.max_attempts)
    event = events.dispatch()
    envelope = await wired.publish(event)
    [message] = await wired.settled(event.order_id, 1)
    assert (message["status"], message["attempts"], message["error_code"]) == ("failed", 3, "rate_limited")
    assert "isv.BUSINESS_LIMIT_CONTROL" in message["error_detail"]
    [failed] = await announced(wired, envelope)
    assert (failed.type, failed.data["error_code"], failed.data["permanent"]) == (
        "notification.failed",
        "rate_limited",
        False,
    )


async def test_an_illegal_number_is_not_retried_and_publishes_a_permanent_failure(
    wired: WiredEnv, events: EventFactory
) -> None:
    await wired.sims.aliyun.fault("illegal_number")
    event = events.dispatch()
    envelope = await wired.publish(event)
    [message] = await wired.settled(event.order_id, 1)
    assert (message["status"], message["attempts"], message["error_code"]) == ("failed", 1, "invalid_phone")
    assert message["error_detail"].startswith("isv.MOBILE_NUMBER_ILLEGAL")
    [failed] = await announced(wired, envelope)
    assert failed.type == "notification.failed"
    assert (failed.data["error_code"], failed.data["permanent"], failed.data["channel"]) == (
        "invalid_phone",
        True,
        "sms",
    )
    assert sends_to(wired, event.receiver.phone) == []


async def test_a_bad_robot_key_is_not_retried_and_a_robot_rate_limit_is(wired: WiredEnv, events: EventFactory) -> None:
    gone = events.anomaly(AnomalyAction(kind="wecom", target="night_ops", text="夜班"))
    envelope = await wired.publish(gone)
    [message] = await wired.settled(gone.order_id, 1)
    assert (message["status"], message["attempts"], message["error_code"]) == ("failed", 1, "bad_robot_key")
    [failed] = await announced(wired, envelope)
    assert (failed.data["error_code"], failed.data["permanent"]) == ("bad_robot_key", True)

    await wired.sims.wecom.fault("rate_limited")
    busy = events.anomaly(AnomalyAction(kind="wecom", target="warehouse_group", text="发货超时风险"))
    await wired.publish(busy)
    [message] = await wired.settled(busy.order_id, 1)
    assert (message["status"], message["attempts"]) == ("sent", 2)
    hooks = [h for h in wired.sims.wecom.received("webhook") if busy.order_id in h["content"]]
    assert len(hooks) == 1


async def test_an_ambiguous_timeout_is_looked_up_not_sent_again(wired: WiredEnv, events: EventFactory) -> None:
    # Answers after the provider timeout (0.5 s) but sends: the lookup by OutId finds it.
    await wired.sims.aliyun.fault("slow", delay_s=1.0)
    event = events.dispatch()
    envelope = await wired.publish(event)
    [message] = await wired.settled(event.order_id, 1)
    assert (message["status"], message["attempts"]) == ("sent", 1)
    [sent] = sends_to(wired, event.receiver.phone)
    # QuerySendDetails names no BizId: the log keeps the OutId the send was found by.
    assert message["provider_message_id"] == f"OutId:{message['message_id']}" == f"OutId:{sent['out_id']}"
    assert [e.type for e in await announced(wired, envelope)] == ["notification.sent"]


async def test_a_crash_between_the_provider_call_and_the_commit_sends_nothing_twice(
    wired: WiredEnv, events: EventFactory
) -> None:
    event = events.dispatch()
    wired.crash.phones.add(event.receiver.phone)
    envelope = await wired.publish(event)
    [message] = await wired.settled(event.order_id, 1)
    assert (message["status"], message["attempts"]) == ("sent", 1), "recovered from the provider's record"
    [sent] = sends_to(wired, event.receiver.phone)
    assert sent["out_id"] == str(message["message_id"]) == message["provider_message_id"].removeprefix("OutId:")
    assert [e.type for e in await announced(wired, envelope)] == ["notification.sent"]


async def test_a_phone_over_its_per_minute_cap_is_held_with_the_reason(wired: WiredEnv, events: EventFactory) -> None:
    phone = events.phone()
    cap = wired.settings.sms_per_phone_per_minute
    orders = [events.dispatch(phone=phone) for _ in range(cap + 1)]
    for event in orders:
        await wired.publish(event)

    async def sorted_out() -> list[dict[str, Any]] | None:
        rows = [row for event in orders for row in await wired.messages(event.order_id)]
        settled = [r for r in rows if r["status"] in ("sent", "held")]
        return rows if len(settled) == len(orders) else None

    rows = await eventually(sorted_out)
    held = [r for r in rows if r["status"] == "held"]
    assert len([r for r in rows if r["status"] == "sent"]) == cap and len(held) == 1
    assert held[0]["hold_reason"] == "rate_limited_minute" and held[0]["not_before"] is not None
    assert len(sends_to(wired, phone)) == cap

    response = await wired.client.get(
        "/v1/messages", params={"order_id": held[0]["order_id"]}, headers={"Authorization": "Bearer local-cs"}
    )
    [view] = response.json()["items"]
    assert (view["status"], view["hold_reason"]) == ("held", "rate_limited_minute") and view["next_attempt_at"]


async def test_a_robot_gets_at_most_20_messages_a_minute(wired: WiredEnv, events: EventFactory) -> None:
    anomalies = [events.anomaly(AnomalyAction(kind="wecom", target="cs_group", text=f"第{i}单")) for i in range(21)]
    for event in anomalies:
        await wired.publish(event)

    async def sorted_out() -> list[dict[str, Any]] | None:
        rows = [row for event in anomalies for row in await wired.messages(event.order_id)]
        return rows if len([r for r in rows if r["status"] in ("sent", "held")]) == 21 else None

    rows = await eventually(sorted_out)
    held = [r for r in rows if r["status"] == "held"]
    assert len(held) == 1 and held[0]["hold_reason"] == "rate_limited_robot"
    hooks = [h for h in wired.sims.wecom.received("webhook") if h["key"] == "sim-cs-robot-key"]
    assert len(hooks) == 20, "the simulator would have answered 45009 to a 21st"


async def test_tencent_is_the_same_interface_timeouts_included(
    start_notify: Callable[..., AbstractAsyncContextManager[WiredEnv]], events: EventFactory
) -> None:
    async with start_notify(sms_provider="tencent") as env:
        await env.sims.tencent.fault("slow", delay_s=1.0)
        slow, illegal = events.dispatch(), events.dispatch()
        await env.publish(slow)
        [message] = await env.settled(slow.order_id, 1)
        [sent] = [r for r in env.sims.tencent.received("SendSms") if r["phone"] == "+86" + slow.receiver.phone]
        assert (message["status"], message["provider"], message["attempts"]) == ("sent", "tencent", 1)
        assert message["provider_message_id"] == sent["serial_no"], "found in the delivery reports"
        assert sent["session_context"] == str(message["message_id"])
        assert sent["template_params"] == [slow.order_id, "本地快递", slow.waybill_no], "in template order"

        await env.sims.tencent.fault("illegal_number")
        envelope = await env.publish(illegal)
        [failed] = await env.settled(illegal.order_id, 1)
        assert (failed["status"], failed["error_code"], failed["attempts"]) == ("failed", "invalid_phone", 1)
        [note] = await announced(env, envelope)
        assert (note.data["error_code"], note.data["permanent"]) == ("invalid_phone", True)


async def test_a_notify_restarted_after_a_crash_between_send_and_commit_settles_without_resending(
    backends: Backends, notify_run: Callable[..., AbstractAsyncContextManager[WiredEnv]], events: EventFactory
) -> None:
    event = events.dispatch()
    # The first run crashes once the provider has accepted the SMS; its stale period is long, so
    # it stops before it could have looked the message up itself.
    async with notify_run(backends, sending_stale_after_s=30.0) as first:
        first.crash.phones.add(event.receiver.phone)
        envelope = await first.publish(event)

        async def accepted_and_unsettled() -> list[dict[str, Any]] | None:
            rows = await first.messages(event.order_id)
            sent = sends_to(first, event.receiver.phone)
            return rows if sent and rows and rows[0]["status"] == "sending" else None

        [lost] = await eventually(accepted_and_unsettled)

    async with notify_run(backends) as second:  # a new process on the same database and group
        [message] = await second.settled(event.order_id, 1)
        assert message["message_id"] == lost["message_id"]
        assert (message["status"], message["attempts"]) == ("sent", 1), "looked up, not sent again"
        assert len(sends_to(second, event.receiver.phone)) == 1
        assert [e.type for e in await announced(second, envelope)] == ["notification.sent"]

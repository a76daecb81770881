"""Limits before a provider call: quiet hours (Asia/Shanghai) hold non-urgent customer SMS until
the morning; per-phone caps per minute / hour hold, per day drop; robots take 20 a minute."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from notify.messages.limits import Limits, Usage, judge, plan, quiet_hours_end
from notify.messages.model import Channel, Message
from orderhub_contracts.events import AnomalyAction
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.testing import eventually

if TYPE_CHECKING:
    from conftest import EventFactory, WiredEnv

LIMITS = Limits(sms_per_minute=3, sms_per_hour=10, sms_per_day=20, robot_per_minute=20)


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def message(channel: Channel = "sms", recipient: str = "13800138000", template: str = "shipment_dispatched") -> Message:
    now = at(12)
    return Message(
        uuid.uuid4(), "DABE1", "e1", template, channel, recipient, "138****8000", "text", {}, "recording",
        None, "queued", None, None, 0, now, None, None, now, None, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (at(23, 30), at(8, 0, day=25)),  # late evening: the next morning
        (at(3, 15), at(8, 0)),  # small hours: this morning
        (at(22, 0), at(8, 0, day=25)),
        (at(7, 59), at(8, 0)),
        (at(8, 0), None),
        (at(21, 59), None),
        (at(12, 0), None),
    ],
)
def test_quiet_hours_run_from_22_to_08_shanghai_time(now: datetime, until: datetime | None) -> None:
    assert quiet_hours_end(now, time(22, 0), time(8, 0)) == until


def test_quiet_hours_are_judged_in_shanghai_whatever_the_clocks_zone() -> None:
    utc_evening = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert quiet_hours_end(utc_evening, time(22, 0), time(8, 0)) == at(8, 0, day=25)


def test_a_customer_sms_at_night_is_held_until_the_morning_then_sent() -> None:
    night = judge(message(), Usage(), LIMITS, at(23, 10))
    assert (night.action, night.reason, night.until) == ("hold", "quiet_hours", at(8, 0, day=25))
    assert judge(message(), Usage(), LIMITS, night.until or at(8)).action == "send", "due in the morning"


def test_urgent_templates_and_wecom_ignore_quiet_hours() -> None:
    urgent = Limits(urgent_templates=frozenset({"anomaly_sms"}))
    assert judge(message(template="anomaly_sms"), Usage(), urgent, at(23)).action == "send"
    assert judge(message("wecom", "user:zj-manager"), Usage(), LIMITS, at(23)).action == "send"
    assert judge(message(), Usage(), Limits(quiet_start=None, quiet_end=None), at(23)).action == "send"


def test_per_phone_caps_hold_for_the_minute_and_hour_and_drop_for_the_day() -> None:
    first = at(12, 0)
    minute = judge(message(), Usage(minute=3, hour=3, day=3, oldest_minute=first), LIMITS, at(12, 0))
    assert (minute.action, minute.reason, minute.until) == ("hold", "rate_limited_minute", first + timedelta(minutes=1))
    hour = judge(message(), Usage(minute=0, hour=10, day=10, oldest_hour=first), LIMITS, at(12, 30))
    assert (hour.action, hour.reason, hour.until) == ("hold", "rate_limited_hour", first + timedelta(hours=1))
    day = judge(message(), Usage(day=20), LIMITS, at(12))
    assert (day.action, day.reason) == ("drop", "rate_limited_daily")
    assert judge(message(), Usage(minute=2, hour=9, day=19), LIMITS, at(12)).action == "send"


def test_a_robot_is_held_after_20_in_a_minute_and_users_are_not() -> None:
    busy = Usage(minute=20, hour=20, day=20, oldest_minute=at(12))
    robot = judge(message("wecom", "robot:cs_group"), busy, LIMITS, at(12))
    assert (robot.action, robot.reason) == ("hold", "rate_limited_robot")
    assert judge(message("wecom", "user:ops-lead"), busy, LIMITS, at(12)).action == "send"


def test_one_claim_batch_counts_its_own_messages() -> None:
    batch = [message() for _ in range(5)] + [message(recipient="13900139000")]
    verdicts = [v.action for _, v in plan(batch, {}, LIMITS, at(12))]
    assert verdicts == ["send", "send", "send", "hold", "hold", "send"]


Starter = Callable[..., AbstractAsyncContextManager["WiredEnv"]]


@pytest.mark.asyncio(loop_scope="session")
async def test_during_quiet_hours_the_customer_sms_is_held_and_staff_messages_go_out(
    start_notify: Starter, events: EventFactory
) -> None:
    now = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    start, end = (now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time()
    async with start_notify(quiet_hours_start=start, quiet_hours_end=end, urgent_templates=["anomaly_sms"]) as env:
        shipped = events.dispatch()
        await env.publish(shipped)
        urgent = AnomalyAction(kind="sms", target="customer", text="您的订单即将关闭，请及时付款")
        staff = AnomalyAction(kind="wecom", target="ops_manager", text="请核实")
        anomaly = events.anomaly(urgent, staff, phone=events.phone())
        await env.publish(anomaly)

        async def held() -> list[dict[str, Any]] | None:
            rows = await env.messages(shipped.order_id)
            return rows if rows and rows[0]["status"] == "held" else None

        [row] = await eventually(held)
        assert row["hold_reason"] == "quiet_hours" and row["attempts"] == 0
        assert row["not_before"].astimezone(SHANGHAI).time() == end, "due when the quiet hours end"
        assert all(r["phone"] != shipped.receiver.phone for r in env.sims.aliyun.received("SendSms"))
        others = {r["template"]: r for r in await env.settled(anomaly.order_id, 2)}
        assert others["anomaly_sms"]["status"] == "sent", "urgent templates are not held"
        assert others["anomaly_wecom"]["status"] == "sent", "quiet hours are for customers, not staff"

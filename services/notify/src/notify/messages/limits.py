"""Limits checked before a message is handed to its provider (pure logic, no I/O):
- quiet hours: a non-urgent customer SMS is held until they end (Asia/Shanghai);
- per phone: SMS per minute / hour (held until the window frees up) and per day (dropped:
  failed with `rate_limited_daily`, as it could only go out tomorrow, out of context);
- per robot: WeCom group robots take 20 messages a minute; more are held.
A held or dropped message keeps its reason on the delivery log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal

from orderhub_contracts.timezone import as_shanghai

from notify.messages.model import Message

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Usage:
    """Provider calls to one recipient in the trailing windows."""

    minute: int = 0
    hour: int = 0
    day: int = 0
    oldest_minute: datetime | None = None
    oldest_hour: datetime | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    sms_per_minute: int = 3
    sms_per_hour: int = 10
    sms_per_day: int = 20
    robot_per_minute: int = 20
    quiet_start: time | None = time(22, 0)
    quiet_end: time | None = time(8, 0)
    urgent_templates: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Literal["send", "hold", "drop"]
    reason: str = ""
    until: datetime | None = None


SEND = Verdict("send")


def quiet_hours_end(now: datetime, start: time | None, end: time | None) -> datetime | None:
    """When the quiet hours `now` falls in end (an aware datetime), or None outside them."""
    if start is None or end is None or start == end:
        return None
    local = as_shanghai(now)
    moment = local.timetz().replace(tzinfo=None)
    # start > end spans midnight, e.g. 22:00-08:00
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    ending = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ending if ending > local else ending + timedelta(days=1)


def judge(message: Message, usage: Usage, limits: Limits, now: datetime) -> Verdict:
    if message.channel == "sms":
        if message.template not in limits.urgent_templates:
            until = quiet_hours_end(now, limits.quiet_start, limits.quiet_end)
            if until is not None:
                return Verdict("hold", "quiet_hours", until)
        if limits.sms_per_day and usage.day >= limits.sms_per_day:
            return Verdict("drop", "rate_limited_daily")
        if limits.sms_per_hour and usage.hour >= limits.sms_per_hour:
            return Verdict("hold", "rate_limited_hour", (usage.oldest_hour or now) + HOUR)
        if limits.sms_per_minute and usage.minute >= limits.sms_per_minute:
            return Verdict("hold", "rate_limited_minute", (usage.oldest_minute or now) + MINUTE)
        return SEND
    robot = message.recipient.startswith("robot:")
    if robot and limits.robot_per_minute and usage.minute >= limits.robot_per_minute:
        return Verdict("hold", "rate_limited_robot", (usage.oldest_minute or now) + MINUTE)
    return SEND


def admitted(usage: Usage, now: datetime) -> Usage:
    """`usage` after one more call now (so one claim batch counts its own messages)."""
    return Usage(
        usage.minute + 1,
        usage.hour + 1,
        usage.day + 1,
        usage.oldest_minute or now,
        usage.oldest_hour or now,
    )


def plan(
    candidates: Iterable[Message], usage: dict[str, Usage], limits: Limits, now: datetime
) -> list[tuple[Message, Verdict]]:
    """A verdict for each candidate, in order, counting the ones admitted before it."""
    seen = dict(usage)
    out: list[tuple[Message, Verdict]] = []
    for message in candidates:
        current = seen.get(message.recipient, Usage())
        verdict = judge(message, current, limits, now)
        if verdict.action == "send":
            seen[message.recipient] = admitted(current, now)
        out.append((message, verdict))
    return out

"""The KPIs, computed from what happened: 快 (anomaly raised → first contact with the customer)
and 省 (orders and tickets moved per customer-service agent per day)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from orderhub_contracts.events import AnomalyRaised
from orderhub_runtime.db import Tx
from sqlalchemy.ext.asyncio import AsyncConnection

from insights.kpi import repository
from insights.kpi.days import DayRange, business_day
from insights.kpi.model import Handled, Response, StaffAction, Summary
from insights.kpi.stats import collapse_repeats, summarise

NOT_CONTACTED = "未联系"


@dataclass(frozen=True, slots=True)
class ResponseDay:
    day: date
    overall: Summary
    by_rule: dict[str, Summary]
    by_level: dict[int, Summary]
    by_agent: dict[str, Summary]


@dataclass(frozen=True, slots=True)
class ResponseReport:
    days: DayRange
    min_level: int
    overall: Summary
    per_day: tuple[ResponseDay, ...]


def _grouped(responses: Iterable[Response], key: Callable[[Response], str | int]) -> dict[str | int, Summary]:
    groups: dict[str | int, list[Response]] = defaultdict(list)
    for response in responses:
        groups[key(response)].append(response)
    return {k: summarise(v) for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))}


def response_day(day: date, responses: list[Response]) -> ResponseDay:
    return ResponseDay(
        day=day,
        overall=summarise(responses),
        by_rule={str(k): v for k, v in _grouped(responses, lambda r: r.rule_id).items()},
        by_level={int(k): v for k, v in _grouped(responses, lambda r: r.level).items()},
        by_agent={str(k): v for k, v in _grouped(responses, lambda r: r.contact_agent or NOT_CONTACTED).items()},
    )


async def response_report(conn: AsyncConnection, days: DayRange, min_level: int) -> ResponseReport:
    responses = await repository.responses_between(conn, days.start, days.end, min_level)
    by_day: dict[date, list[Response]] = defaultdict(list)
    for response in responses:
        by_day[business_day(response.raised_at)].append(response)
    per_day = tuple(response_day(day, by_day.get(day, [])) for day in days.days())
    return ResponseReport(days=days, min_level=min_level, overall=summarise(responses), per_day=per_day)


async def handled_report(
    conn: AsyncConnection, days: DayRange, repeat_window_s: float, agent: str | None = None
) -> list[Handled]:
    """Per agent and day, the actions that moved an order or a ticket, repeats collapsed."""
    actions = collapse_repeats(
        await repository.staff_actions_between(conn, days.start, days.end, agent), repeat_window_s
    )
    groups: dict[tuple[date, str], list[StaffAction]] = defaultdict(list)
    for action in actions:
        groups[(business_day(action.at), action.actor)].append(action)
    return [
        Handled(day=day, agent=actor, count=len(items), actions=tuple(items))
        for (day, actor), items in sorted(groups.items())
    ]


async def record_anomaly(tx: Tx, raised: AnomalyRaised, at: datetime) -> None:
    await repository.record_anomaly(
        tx.conn,
        anomaly_id=raised.anomaly_id,
        order_id=raised.order_id,
        rule_id=raised.rule_id,
        rule_name=raised.rule_name,
        level=raised.level,
        at=at,
    )


async def record_staff_action(tx: Tx, action: StaffAction) -> None:
    await repository.record_staff_action(tx.conn, action)

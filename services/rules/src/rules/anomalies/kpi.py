"""Response time, one of the case's three KPIs: from an anomaly being raised to the first contact
with the customer (acknowledged, or released/cancelled by staff without a separate
acknowledgement), averaged and at the 90th percentile, by rule and level, by level and overall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.tables import anomalies


@dataclass(frozen=True)
class ResponseTimes:
    rule_id: str | None  # None: all rules of the level (or all, when level is None too)
    level: int | None
    raised: int
    responded: int
    waiting: int  # raised and still without a response
    avg_minutes: float | None
    p90_minutes: float | None


async def response_times(conn: AsyncConnection, since: datetime, until: datetime) -> list[ResponseTimes]:
    """Anomalies raised in [since, until); rows by (rule, level), then by level, then overall."""
    t = anomalies
    minutes = func.extract("epoch", t.c.acknowledged_at - t.c.raised_at) / 60.0
    responded = t.c.acknowledged_at.is_not(None)
    grouping = func.grouping_sets(tuple_(t.c.rule_id, t.c.level), tuple_(t.c.level), tuple_())
    query = (
        select(
            t.c.rule_id,
            t.c.level,
            func.grouping(t.c.rule_id).label("all_rules"),
            func.grouping(t.c.level).label("all_levels"),
            func.count().label("raised"),
            func.count(t.c.acknowledged_at).label("responded"),
            func.count(case((and_(~responded, t.c.status != "resolved"), 1))).label("waiting"),
            func.avg(minutes).label("avg_minutes"),
            func.percentile_cont(0.9).within_group(minutes).label("p90_minutes"),
        )
        .where(t.c.raised_at >= since, t.c.raised_at < until)
        .group_by(grouping)
        .order_by(func.grouping(t.c.level), func.grouping(t.c.rule_id), t.c.level.desc(), t.c.rule_id)
    )
    return [
        ResponseTimes(
            rule_id=None if row.all_rules else row.rule_id,
            level=None if row.all_levels else row.level,
            raised=row.raised,
            responded=row.responded,
            waiting=row.waiting,
            avg_minutes=_rounded(row.avg_minutes),
            p90_minutes=_rounded(row.p90_minutes),
        )
        for row in await conn.execute(query)
    ]


def _rounded(value: object) -> float | None:
    return None if value is None else round(float(str(value)), 2)

"""The `anomalies` table: the queue, the lifecycle steps and the response-time KPI. Statements
only: the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.anomalies.model import AUTOMATIC_BY, UNRESOLVED, Resolution, Status, closes_by_itself
from rules.engine.evaluate import Hit
from rules.tables import anomalies, orders


@dataclass(frozen=True)
class Anomaly:
    anomaly_id: uuid.UUID
    order_id: str
    rule_id: str
    rule_name: str
    rule_set_version: int
    level: int
    holds: bool
    evidence: dict[str, Any]
    actions: list[dict[str, Any]]
    status: Status
    resolution: Resolution | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None
    province: str
    channel: str


@dataclass(frozen=True, slots=True)
class NewAnomaly:
    anomaly_id: uuid.UUID
    order_id: str
    hit: Hit
    rule_set_version: int


# The anomalies and, in the same statement, one NOTIFY per anomaly with its ID (delivered to
# listeners, the live stream, when the transaction commits).
_INSERT_MANY = text(
    """
WITH inserted AS (
    INSERT INTO rules.anomalies
        (anomaly_id, order_id, rule_id, rule_name, rule_set_version, level, holds, evidence, actions,
         status, resolution, resolved_at, resolved_by)
    SELECT a.anomaly_id, a.order_id, a.rule_id, a.rule_name, a.rule_set_version, a.level, a.holds,
           CAST(a.evidence AS jsonb), CAST(a.actions AS jsonb),
           CASE WHEN a.automatic THEN 'resolved' ELSE 'open' END,
           CASE WHEN a.automatic THEN 'automatic' END,
           CASE WHEN a.automatic THEN now() END,
           CASE WHEN a.automatic THEN CAST(:automatic_by AS text) END
    FROM unnest(
        CAST(:anomaly_ids AS uuid[]), CAST(:order_ids AS text[]), CAST(:rule_ids AS text[]),
        CAST(:rule_names AS text[]), CAST(:versions AS integer[]), CAST(:levels AS smallint[]),
        CAST(:holds AS boolean[]), CAST(:evidence AS text[]), CAST(:actions AS text[]),
        CAST(:automatic AS boolean[])
    ) AS a(anomaly_id, order_id, rule_id, rule_name, rule_set_version, level, holds, evidence, actions, automatic)
    RETURNING anomaly_id
)
SELECT pg_notify(:channel, CAST(anomaly_id AS text)) FROM inserted
"""
)


def _actions_json(hit: Hit) -> str:
    return json.dumps([a.model_dump(mode="json") for a in hit.rule.actions], ensure_ascii=False)


async def insert_many(conn: AsyncConnection, new: Sequence[NewAnomaly], *, notify_channel: str) -> None:
    """Store the anomalies and NOTIFY `notify_channel` with each one's ID. One round trip.
    A level-1 hit that holds nothing is stored resolved as `automatic` (it never enters the queue)."""
    if not new:
        return
    params = {
        "anomaly_ids": [a.anomaly_id for a in new],
        "order_ids": [a.order_id for a in new],
        "rule_ids": [a.hit.rule.id for a in new],
        "rule_names": [a.hit.rule.name for a in new],
        "versions": [a.rule_set_version for a in new],
        "levels": [a.hit.rule.level for a in new],
        "holds": [a.hit.rule.holds for a in new],
        "evidence": [json.dumps(a.hit.evidence, ensure_ascii=False) for a in new],
        "actions": [_actions_json(a.hit) for a in new],
        "automatic": [closes_by_itself(a.hit.rule.level, a.hit.rule.holds) for a in new],
        "automatic_by": AUTOMATIC_BY,
        "channel": notify_channel,
    }
    await conn.execute(_INSERT_MANY, params)


def _select() -> Select[Any]:
    return select(anomalies, orders.c.province, orders.c.channel).join(
        orders, orders.c.order_id == anomalies.c.order_id
    )


def _to_anomaly(row: Any) -> Anomaly:
    m = row._mapping
    return Anomaly(
        **{k: m[k] for k in Anomaly.__dataclass_fields__ if k not in ("status", "resolution")},
        status=Status(m["status"]),
        resolution=Resolution(m["resolution"]) if m["resolution"] else None,
    )


async def get(conn: AsyncConnection, anomaly_id: uuid.UUID, *, for_update: bool = False) -> Anomaly | None:
    query = _select().where(anomalies.c.anomaly_id == anomaly_id)
    if for_update:
        query = query.with_for_update(of=anomalies)
    row = (await conn.execute(query)).first()
    return _to_anomaly(row) if row is not None else None


@dataclass(frozen=True)
class Filters:
    order_id: str | None = None
    statuses: Collection[Status] = ()
    rule_ids: Collection[str] = ()
    provinces: Collection[str] = ()
    channels: Collection[str] = ()
    levels: Collection[int] = ()


async def search(conn: AsyncConnection, filters: Filters, *, limit: int) -> list[Anomaly]:
    """Most severe first, then oldest first (the customer-service queue order)."""
    query = _select()
    if filters.order_id is not None:
        query = query.where(anomalies.c.order_id == filters.order_id)
    if filters.rule_ids:
        query = query.where(anomalies.c.rule_id.in_(list(filters.rule_ids)))
    if filters.provinces:
        query = query.where(orders.c.province.in_(list(filters.provinces)))
    if filters.channels:
        query = query.where(orders.c.channel.in_(list(filters.channels)))
    if filters.levels:
        query = query.where(anomalies.c.level.in_(list(filters.levels)))
    statuses = filters.statuses
    if statuses:
        query = query.where(anomalies.c.status.in_([s.value for s in statuses]))
    query = query.order_by(anomalies.c.level.desc(), anomalies.c.raised_at, anomalies.c.anomaly_id).limit(limit)
    return [_to_anomaly(row) for row in await conn.execute(query)]


async def acknowledge(conn: AsyncConnection, anomaly_id: uuid.UUID, *, by: str, note: str | None) -> None:
    await conn.execute(
        update(anomalies)
        .where(anomalies.c.anomaly_id == anomaly_id)
        .values(
            status=Status.ACKNOWLEDGED.value,
            acknowledged_at=func.now(),
            acknowledged_by=by,
            note=func.coalesce(note, anomalies.c.note),
        )
    )


async def resolve(
    conn: AsyncConnection,
    order_id: str,
    resolution: Resolution,
    *,
    by: str,
    note: str | None,
    anomaly_id: uuid.UUID | None = None,
    contact: bool = False,
) -> list[uuid.UUID]:
    """Resolve the order's unresolved anomalies (or just `anomaly_id`); returns the IDs resolved.
    With `contact` (staff resolved it), that is also the first response where none was recorded."""
    stmt = update(anomalies).where(
        anomalies.c.order_id == order_id, anomalies.c.status.in_([s.value for s in UNRESOLVED])
    )
    if anomaly_id is not None:
        stmt = stmt.where(anomalies.c.anomaly_id == anomaly_id)
    result = await conn.execute(
        stmt.values(
            status=Status.RESOLVED.value,
            resolution=resolution.value,
            resolved_at=func.now(),
            resolved_by=by,
            note=func.coalesce(note, anomalies.c.note),
            **_first_contact(by) if contact else {},
        ).returning(anomalies.c.anomaly_id)
    )
    return [row[0] for row in result]


def _first_contact(by: str) -> dict[str, Any]:
    return {
        "acknowledged_at": func.coalesce(anomalies.c.acknowledged_at, func.now()),
        "acknowledged_by": func.coalesce(anomalies.c.acknowledged_by, by),
    }


async def count_unresolved_holds(conn: AsyncConnection, order_id: str) -> int:
    query = select(func.count()).where(
        anomalies.c.order_id == order_id,
        anomalies.c.holds,
        anomalies.c.status.in_([s.value for s in UNRESOLVED]),
    )
    return int((await conn.execute(query)).scalar_one())


async def unresolved_rule_ids(conn: AsyncConnection, order_id: str) -> set[str]:
    query = select(anomalies.c.rule_id).where(
        anomalies.c.order_id == order_id, anomalies.c.status.in_([s.value for s in UNRESOLVED])
    )
    return set((await conn.execute(query)).scalars())


# Response time, one of the case's three KPIs: from an anomaly being raised to the first contact
# with the customer (acknowledged, or released/cancelled by staff without a separate
# acknowledgement), averaged and at the 90th percentile, by rule and level, by level and overall.
# Only what a person had to handle counts: automatic resolutions (level-1 hits) are left out.


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
        .where(
            t.c.raised_at >= since,
            t.c.raised_at < until,
            t.c.resolution.is_distinct_from(Resolution.AUTOMATIC.value),
        )
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

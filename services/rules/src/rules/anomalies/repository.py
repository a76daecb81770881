"""The `anomalies` table. Statements only: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.anomalies.lifecycle import UNRESOLVED, Resolution, Status
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


async def insert(
    conn: AsyncConnection, order_id: str, hit: Hit, rule_set_version: int, *, notify_channel: str
) -> uuid.UUID:
    """Store the anomaly and, in the same statement, NOTIFY `notify_channel` with its ID
    (delivered to listeners when the transaction commits)."""
    anomaly_id = uuid.uuid4()
    inserted = (
        anomalies.insert()
        .values(
            anomaly_id=anomaly_id,
            order_id=order_id,
            rule_id=hit.rule.id,
            rule_name=hit.rule.name,
            rule_set_version=rule_set_version,
            level=hit.rule.level,
            holds=hit.rule.holds,
            evidence=hit.evidence,
            actions=[a.model_dump(mode="json") for a in hit.rule.actions],
        )
        .returning(anomalies.c.anomaly_id)
        .cte("inserted")
    )
    notified = func.pg_notify(notify_channel, cast(inserted.c.anomaly_id, Text))
    await conn.execute(select(notified).select_from(inserted))
    return anomaly_id


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

"""SQL of the KPI read models: anomalies with their first customer contact, staff actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from insights.kpi.model import Response, StaffAction
from insights.tables import staff_actions

# The first contact that reached the customer about the order at or after the anomaly was
# raised: an SMS sent or a call or chat an agent logged. Acknowledging in the queue is not one.
_RESPONSES = text(
    """
SELECT a.anomaly_id, a.order_id, a.rule_id, a.rule_name, a.level, a.raised_at,
       c.at AS contact_at, c.kind AS contact_kind, c.agent AS contact_agent
FROM insights.anomalies a
LEFT JOIN LATERAL (
    SELECT at, kind, agent FROM insights.contacts
    WHERE order_id = a.order_id AND at >= a.raised_at
    ORDER BY at, contact_id LIMIT 1
) c ON true
WHERE a.raised_at >= :start AND a.raised_at < :end AND a.level >= :min_level
ORDER BY a.raised_at, a.anomaly_id
"""
)


async def responses_between(conn: AsyncConnection, start: datetime, end: datetime, min_level: int) -> list[Response]:
    rows = await conn.execute(_RESPONSES, {"start": start, "end": end, "min_level": min_level})
    return [Response(**row) for row in rows.mappings()]


async def staff_actions_between(
    conn: AsyncConnection, start: datetime, end: datetime, actor: str | None = None
) -> list[StaffAction]:
    query = select(staff_actions).where(staff_actions.c.at >= start, staff_actions.c.at < end)
    if actor is not None:
        query = query.where(staff_actions.c.actor == actor)
    rows = await conn.execute(query.order_by(staff_actions.c.at, staff_actions.c.event_id))
    return [StaffAction(**row) for row in rows.mappings()]


async def record_anomaly(
    conn: AsyncConnection, *, anomaly_id: str, order_id: str, rule_id: str, rule_name: str, level: int, at: datetime
) -> None:
    await conn.execute(
        text(
            "INSERT INTO insights.anomalies (anomaly_id, order_id, rule_id, rule_name, level, raised_at) "
            "VALUES (:anomaly_id, :order_id, :rule_id, :rule_name, :level, :at) ON CONFLICT (anomaly_id) DO NOTHING"
        ),
        {
            "anomaly_id": anomaly_id,
            "order_id": order_id,
            "rule_id": rule_id,
            "rule_name": rule_name,
            "level": level,
            "at": at,
        },
    )


async def record_staff_action(conn: AsyncConnection, action: StaffAction) -> None:
    await conn.execute(
        text(
            "INSERT INTO insights.staff_actions (event_id, actor, action, subject, at) "
            "VALUES (:event_id, :actor, :action, :subject, :at) ON CONFLICT (event_id) DO NOTHING"
        ),
        {
            "event_id": action.event_id,
            "actor": action.actor,
            "action": action.action,
            "subject": action.subject,
            "at": action.at,
        },
    )

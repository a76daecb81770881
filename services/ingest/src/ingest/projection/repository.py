"""Set-based statements of the status projection: a run of events costs one statement to lock and
read the orders it touches and one to write every timeline row, status change and refusal. Runs
on the caller's connection inside the caller's transaction and never commits."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from orderhub_contracts.state_machine import OrderStatus
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.orders.repository import TimelineRecord

# Locked in order ID order so two runs touching the same orders cannot deadlock. `seen` lists the
# run's events already on a timeline (projected before: skipped, as one-by-one handling would).
_LOCK = text(
    """
WITH seen AS (
    SELECT coalesce(array_agg(t.event_id), '{}') AS event_ids
    FROM ingest.order_timeline t WHERE t.event_id = ANY(CAST(:event_ids AS text[]))
)
SELECT o.order_id, o.status, o.status_since, seen.event_ids AS seen
FROM ingest.orders o CROSS JOIN seen
WHERE o.order_id = ANY(CAST(:order_ids AS text[]))
ORDER BY o.order_id
FOR UPDATE OF o
"""
)

# Timeline rows get their IDs in run order (the view orders ties by ID). The returned event IDs
# are the rows actually inserted: one missing means another transaction projected that event.
_WRITE = text(
    """
WITH timeline AS (
    INSERT INTO ingest.order_timeline
        (order_id, event_id, event_type, occurred_at, summary, data, outcome, status_from, status_path)
    SELECT r.order_id, r.event_id, r.event_type, r.occurred_at, r.summary, CAST(r.data AS jsonb), r.outcome,
           r.status_from, CAST(r.status_path AS jsonb)
    FROM unnest(
        CAST(:t_order_ids AS text[]), CAST(:t_event_ids AS text[]), CAST(:t_event_types AS text[]),
        CAST(:t_occurred_ats AS timestamptz[]), CAST(:t_summaries AS text[]), CAST(:t_data AS text[]),
        CAST(:t_outcomes AS text[]), CAST(:t_status_froms AS text[]), CAST(:t_status_paths AS text[])
    ) WITH ORDINALITY AS r(order_id, event_id, event_type, occurred_at, summary, data, outcome, status_from,
                           status_path, n)
    ORDER BY r.n
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
), moved AS (
    UPDATE ingest.orders o SET status = s.status, status_since = s.since, updated_at = now()
    FROM unnest(CAST(:s_order_ids AS text[]), CAST(:s_statuses AS text[]), CAST(:s_sinces AS timestamptz[]))
        AS s(order_id, status, since)
    WHERE o.order_id = s.order_id
), refused AS (
    INSERT INTO ingest.transition_rejections (order_id, event_id, event_type, from_status, to_status)
    SELECT r.order_id, r.event_id, r.event_type, r.from_status, r.to_status
    FROM unnest(
        CAST(:r_order_ids AS text[]), CAST(:r_event_ids AS text[]), CAST(:r_event_types AS text[]),
        CAST(:r_from AS text[]), CAST(:r_to AS text[])
    ) WITH ORDINALITY AS r(order_id, event_id, event_type, from_status, to_status, n)
    ORDER BY r.n
    ON CONFLICT (event_id) DO NOTHING
)
SELECT event_id FROM timeline
"""
)


@dataclass(frozen=True, slots=True)
class Locked:
    statuses: dict[str, tuple[OrderStatus, datetime]]  # order ID -> status and since when
    seen: set[str]  # event IDs already on a timeline


@dataclass(frozen=True, slots=True)
class Rejection:
    order_id: str
    event_id: str
    event_type: str
    from_status: OrderStatus
    to_status: OrderStatus


async def lock_orders(conn: AsyncConnection, order_ids: Collection[str], event_ids: Collection[str]) -> Locked:
    """Lock the orders until the transaction ends; an unknown order is absent from `statuses`."""
    params = {"order_ids": sorted(order_ids), "event_ids": list(event_ids)}
    rows = (await conn.execute(_LOCK, params)).all()
    statuses = {row.order_id: (OrderStatus(row.status), row.status_since) for row in rows}
    return Locked(statuses, set(rows[0].seen) if rows else set())


async def write_run(
    conn: AsyncConnection,
    timeline: Sequence[TimelineRecord],
    statuses: Mapping[str, tuple[OrderStatus, datetime]],
    rejections: Sequence[Rejection],
) -> set[str]:
    """Insert the timeline rows and refusals, set each order's final status; returns the event IDs
    whose timeline row was inserted. One round trip."""
    params = {
        "t_order_ids": [r.order_id for r in timeline],
        "t_event_ids": [r.event_id for r in timeline],
        "t_event_types": [r.event_type for r in timeline],
        "t_occurred_ats": [r.occurred_at for r in timeline],
        "t_summaries": [r.entry.summary for r in timeline],
        "t_data": [json.dumps(r.entry.data, ensure_ascii=False) for r in timeline],
        "t_outcomes": [str(r.outcome) for r in timeline],
        "t_status_froms": [r.status_from.value if r.status_from else None for r in timeline],
        "t_status_paths": [json.dumps([s.value for s in r.status_path]) for r in timeline],
        "s_order_ids": list(statuses),
        "s_statuses": [status.value for status, _ in statuses.values()],
        "s_sinces": [since for _, since in statuses.values()],
        "r_order_ids": [r.order_id for r in rejections],
        "r_event_ids": [r.event_id for r in rejections],
        "r_event_types": [r.event_type for r in rejections],
        "r_from": [r.from_status.value for r in rejections],
        "r_to": [r.to_status.value for r in rejections],
    }
    return {row.event_id for row in await conn.execute(_WRITE, params)}


# Each order's first pick list stamps label_printed_at (kept afterwards: the paper exists); the
# last status of the run is the order's outbound_status. Changes nothing for an empty run.
_OUTBOUND = text(
    """
WITH s AS (
    SELECT * FROM unnest(
        CAST(:order_ids AS text[]), CAST(:statuses AS text[]), CAST(:ats AS timestamptz[])
    ) WITH ORDINALITY AS s(order_id, status, at, n)
), per_order AS (
    SELECT DISTINCT ON (s.order_id) s.order_id, s.status,
           (SELECT min(p.at) FROM s p WHERE p.order_id = s.order_id AND p.status = 'picking') AS printed_at
    FROM s ORDER BY s.order_id, s.n DESC
)
UPDATE ingest.orders o
SET outbound_status = per_order.status,
    label_printed_at = coalesce(o.label_printed_at, per_order.printed_at)
FROM per_order WHERE o.order_id = per_order.order_id
"""
)


async def record_outbound_statuses(conn: AsyncConnection, changes: Sequence[tuple[str, str, datetime]]) -> None:
    """(order ID, outbound status, at) from outbound.status_changed, in run order."""
    if not changes:
        return
    await conn.execute(
        _OUTBOUND,
        {
            "order_ids": [c[0] for c in changes],
            "statuses": [c[1] for c in changes],
            "ats": [c[2] for c in changes],
        },
    )

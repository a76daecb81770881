"""Customer-service API for anomalies: the queue, one anomaly, acknowledge, release, cancel, and
the response-time KPI."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.errors import DomainError, NotFound

from rules.anomalies import repository as repo
from rules.anomalies import service
from rules.anomalies.model import Status
from rules.api.schemas import (
    ActionResult,
    AnomalyList,
    AnomalyView,
    NoteIn,
    ResponseTimeReport,
    ResponseTimeView,
)
from rules.deps import Editor, Reader

router = APIRouter(prefix="/v1/anomalies", tags=["anomalies"])
QUEUE_LEVELS = (2, 3)  # what the queue shows unless asked: a person has to handle it


class InvalidRequest(DomainError):
    status_code = 422
    code = "invalid_request"


@router.get("")
async def list_anomalies(
    db: DatabaseDep,
    _: Reader,
    order_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[list[Status] | None, Query(description="repeat for several, e.g. open and acknowledged")] = None,
    rule: Annotated[list[str] | None, Query(description="rule IDs, e.g. R05")] = None,
    province: Annotated[list[str] | None, Query(description="receiver province, e.g. 浙江省")] = None,
    channel: Annotated[list[str] | None, Query(description="sales channel, e.g. taobao")] = None,
    level: Annotated[list[int] | None, Query(description="1 提醒, 2 复核, 3 拦截")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AnomalyList:
    """Anomalies, most severe first and then oldest first (the work queue order). Without
    `order_id` or `status`, the open queue: anomalies not yet resolved. Without `order_id` or
    `level`, levels 2 and 3 (what needs a person; level-1 hits close by themselves); with
    `order_id`, everything of the order."""
    statuses = status or ([] if order_id else [Status.OPEN, Status.ACKNOWLEDGED])
    levels = level or ([] if order_id else list(QUEUE_LEVELS))
    filters = repo.Filters(
        order_id=order_id,
        statuses=statuses,
        rule_ids=rule or (),
        provinces=province or (),
        channels=channel or (),
        levels=levels,
    )
    async with db.read() as conn:
        found = await repo.search(conn, filters, limit=limit)
    return AnomalyList(items=[AnomalyView.of(a) for a in found], count=len(found))


@router.get("/kpi/response-time")
async def response_time(
    db: DatabaseDep,
    _: Reader,
    since: Annotated[datetime | None, Query(description="raised from (default: 7 days ago)")] = None,
    until: Annotated[datetime | None, Query(description="raised before (default: now)")] = None,
) -> ResponseTimeReport:
    """Raised → first response (acknowledged, or released/cancelled by staff), in minutes:
    average and p90 by rule and level, by level, and overall (rule and level null). Level-1
    hits resolved automatically are not counted: nobody had to respond to them."""
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=7)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidRequest("since and until need a timezone, e.g. 2026-02-18T00:00:00+08:00")
    async with db.read() as conn:
        rows = await repo.response_times(conn, start, end)
    return ResponseTimeReport(since=start, until=end, groups=[ResponseTimeView.of(r) for r in rows])


@router.get("/{anomaly_id}")
async def get_anomaly(anomaly_id: uuid.UUID, db: DatabaseDep, _: Reader) -> AnomalyView:
    """One anomaly (what the screen opens from a stream event)."""
    async with db.read() as conn:
        found = await repo.get(conn, anomaly_id)
    if found is None:
        raise NotFound(f"anomaly {anomaly_id} does not exist")
    return AnomalyView.of(found)


@router.post("/{anomaly_id}/ack")
async def acknowledge(
    anomaly_id: uuid.UUID, db: DatabaseDep, staff: Editor, body: NoteIn | None = None
) -> ActionResult:
    """Take the anomaly in hand; it keeps holding its order until released or cancelled."""
    note = body.text if body else None
    outcome = await db.run_in_transaction(lambda tx: service.acknowledge(tx, anomaly_id, by=staff.name, note=note))
    return ActionResult.of(outcome)


@router.post("/{anomaly_id}/release")
async def release(anomaly_id: uuid.UUID, db: DatabaseDep, staff: Editor, body: NoteIn | None = None) -> ActionResult:
    """Resolve as released. When it was the last hold of a paid order, the order goes on."""
    note = body.text if body else None
    outcome = await db.run_in_transaction(lambda tx: service.release(tx, anomaly_id, by=staff.name, note=note))
    return ActionResult.of(outcome)


@router.post("/{anomaly_id}/cancel")
async def cancel(anomaly_id: uuid.UUID, db: DatabaseDep, staff: Editor, body: NoteIn | None = None) -> ActionResult:
    """Resolve all the order's open anomalies as cancelled; the order will not be cleared."""
    note = body.text if body else None
    outcome = await db.run_in_transaction(lambda tx: service.cancel(tx, anomaly_id, by=staff.name, note=note))
    return ActionResult.of(outcome)

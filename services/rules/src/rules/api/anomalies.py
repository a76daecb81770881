"""Customer-service API for anomalies: list them, acknowledge, release, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.db import Database
from orderhub_runtime.settings import StaffMember

from rules.anomalies import repository as repo
from rules.anomalies import service
from rules.anomalies.lifecycle import Status
from rules.api.schemas import ActionResult, AnomalyList, AnomalyView, NoteIn

router = APIRouter(prefix="/v1/anomalies", tags=["anomalies"])
Reader = Annotated[StaffMember, Depends(require_staff("cs", "manager", "ops"))]
Handler = Annotated[StaffMember, Depends(require_staff("cs", "manager"))]
Command = Callable[..., Awaitable[service.Outcome]]


@router.get("")
async def list_anomalies(
    db: DatabaseDep,
    _: Reader,
    order_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[list[Status] | None, Query(description="repeat for several, e.g. open and acknowledged")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AnomalyList:
    """Anomalies, most severe first and then oldest first (the work queue order)."""
    async with db.engine.connect() as conn:
        found = await repo.search(conn, order_id=order_id, statuses=status or [], limit=limit)
    return AnomalyList(items=[AnomalyView.of(a) for a in found], count=len(found))


@router.post("/{anomaly_id}/ack")
async def acknowledge(
    anomaly_id: uuid.UUID, request: Request, db: DatabaseDep, staff: Handler, body: NoteIn | None = None
) -> ActionResult:
    """Take the anomaly in hand; it keeps holding its order until released or cancelled."""
    return await _run(service.acknowledge, anomaly_id, request, db, staff, body)


@router.post("/{anomaly_id}/release")
async def release(
    anomaly_id: uuid.UUID, request: Request, db: DatabaseDep, staff: Handler, body: NoteIn | None = None
) -> ActionResult:
    """Resolve as released. When it was the last hold of a paid order, the order goes on."""
    return await _run(service.release, anomaly_id, request, db, staff, body)


@router.post("/{anomaly_id}/cancel")
async def cancel(
    anomaly_id: uuid.UUID, request: Request, db: DatabaseDep, staff: Handler, body: NoteIn | None = None
) -> ActionResult:
    """Resolve all the order's open anomalies as cancelled; the order will not be cleared."""
    return await _run(service.cancel, anomaly_id, request, db, staff, body)


async def _run(
    command: Command, anomaly_id: uuid.UUID, request: Request, db: Database, staff: StaffMember, body: NoteIn | None
) -> ActionResult:
    async with db.transaction(correlation_id=request.state.correlation_id) as tx:
        outcome = await command(tx, anomaly_id, by=staff.name, note=body.text if body else None)
    return ActionResult.of(outcome)

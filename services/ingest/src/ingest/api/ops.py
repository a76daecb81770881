"""Ops endpoints for channel intake: the raw push archive (rejected pushes with their reason),
replaying a push after a fix, the fetch queue's stuck tasks and the sync watermarks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import NotFound
from orderhub_runtime.settings import StaffMember
from pydantic import BaseModel
from sqlalchemy import RowMapping

from ingest.channels import repository, service
from ingest.deps import Deps

router = APIRouter(prefix="/v1/ops", tags=["ops"])
Ops = Annotated[StaffMember, Depends(require_staff("ops"))]
# Archive and queue IDs are bigint: a number past 2^63 - 1 names nothing and is refused (422), not
# handed to the database to overflow.
MAX_ID = 2**63 - 1
PushId = Annotated[int, Path(ge=1, le=MAX_ID, description="The archived push's ID.")]
TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The fetch task's ID.")]
BODY_PREVIEW = 4000


class PushView(BaseModel):
    id: int
    channel: str
    received_at: datetime
    verdict: str
    reason: str
    notices: int
    replayed_at: datetime | None
    headers: dict[str, Any]
    body: str  # the raw body as text (undecodable bytes replaced), cut to 4000 characters


class ReplayView(BaseModel):
    push: PushView
    accepted: bool
    reason: str
    orders: list[str]  # channel order numbers queued for fetching


def _view(row: RowMapping) -> PushView:
    body = bytes(row["body"]).decode("utf-8", "replace")[:BODY_PREVIEW]
    return PushView(
        id=row["id"],
        channel=row["channel"],
        received_at=row["received_at"],
        verdict=row["verdict"],
        reason=row["reason"],
        notices=row["notices"],
        replayed_at=row["replayed_at"],
        headers=dict(row["headers"]),
        body=body,
    )


@router.get("/pushes", response_model=list[PushView])
async def get_pushes(
    db: DatabaseDep,
    _: Ops,
    channel: str | None = None,
    verdict: Literal["accepted", "rejected"] | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PushView]:
    """Archived pushes, newest first (page with `before_id`)."""
    async with db.read() as conn:
        rows = await repository.list_pushes(conn, channel=channel, verdict=verdict, before_id=before_id, limit=limit)
    return [_view(r) for r in rows]


@router.get("/pushes/{push_id}", response_model=PushView)
async def get_push(push_id: PushId, db: DatabaseDep, _: Ops) -> PushView:
    """One archived push with its verdict, reason and raw body."""
    async with db.read() as conn:
        row = await repository.get_push(conn, push_id)
    if row is None:
        raise NotFound(f"push {push_id} is not in the archive")
    return _view(row)


@router.post("/pushes/{push_id}/replay", response_model=ReplayView)
async def replay_push(push_id: PushId, db: DatabaseDep, deps: Deps, _: Ops) -> ReplayView:
    """Verify the archived raw push again with the current configuration (after a fix, e.g. a
    corrected secret) and, if it now passes, queue its orders. The signature is always checked:
    replay never accepts an unsigned push. Replaying an accepted push refetches its orders."""
    outcome = await db.run_in_transaction(lambda tx: service.replay_push(tx, deps.hub, push_id))
    return ReplayView(
        push=_view(outcome.push),
        accepted=outcome.accepted,
        reason=outcome.reason,
        orders=[n.ref.channel_order_no for n in outcome.notices],
    )


class FetchTaskView(BaseModel):
    id: int
    channel: str
    shop_id: str
    channel_order_no: str
    source: str
    attempts: int
    next_attempt_at: datetime
    last_error: str


@router.get("/fetches", response_model=list[FetchTaskView])
async def get_open_fetches(
    db: DatabaseDep, _: Ops, failing: bool = True, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[FetchTaskView]:
    """Open order fetches (by default only those whose last attempt failed), oldest first."""
    async with db.read() as conn:
        rows = await repository.list_open_fetches(conn, failing=failing, limit=limit)
    return [FetchTaskView.model_validate(dict(r)) for r in rows]


@router.post("/fetches/{task_id}/retry", response_model=FetchTaskView)
async def retry_fetch(task_id: TaskId, db: DatabaseDep, _: Ops) -> FetchTaskView:
    """Make an open fetch due now instead of at the end of its backoff (e.g. after a fix is deployed)."""
    row = await db.run_in_transaction(lambda tx: service.retry_fetch(tx, task_id))
    return FetchTaskView.model_validate(dict(row))


class WatermarkView(BaseModel):
    channel: str
    shop_id: str
    watermark: datetime
    last_run_at: datetime
    last_listed: int


@router.get("/sync", response_model=list[WatermarkView])
async def get_sync_state(db: DatabaseDep, _: Ops) -> list[WatermarkView]:
    """Each shop's sync watermark: everything modified before it has been listed and queued."""
    async with db.read() as conn:
        rows = await repository.list_watermarks(conn)
    return [WatermarkView.model_validate(dict(r)) for r in rows]

"""Ops endpoints for channel intake: the raw push archive (rejected pushes with their reason),
replaying a push after a fix, the fetch queue's stuck tasks and the sync watermarks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from orderhub_runtime.app import ContextDep
from orderhub_runtime.auth import require_staff
from orderhub_runtime.errors import NotFound
from orderhub_runtime.settings import StaffMember
from pydantic import BaseModel
from sqlalchemy import RowMapping, select

from ingest.channels.archive import ACCEPTED, REJECTED, list_pushes, lock_push, record_replay
from ingest.channels.fetch_queue import enqueue_fetch, make_due
from ingest.channels.hub import get_hub
from ingest.channels.receive import verify
from ingest.tables import fetch_tasks, raw_pushes, sync_watermarks

router = APIRouter(prefix="/v1/ops", tags=["ops"])
Ops = Annotated[StaffMember, Depends(require_staff("ops"))]
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
    ctx: ContextDep,
    _: Ops,
    channel: str | None = None,
    verdict: Literal["accepted", "rejected"] | None = None,
    before_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PushView]:
    """Archived pushes, newest first (page with `before_id`)."""
    async with ctx.db.transaction() as tx:
        rows = await list_pushes(tx.conn, channel=channel, verdict=verdict, before_id=before_id, limit=limit)
    return [_view(r) for r in rows]


@router.get("/pushes/{push_id}", response_model=PushView)
async def get_push(push_id: int, ctx: ContextDep, _: Ops) -> PushView:
    """One archived push with its verdict, reason and raw body."""
    async with ctx.db.transaction() as tx:
        row = (await tx.conn.execute(select(raw_pushes).where(raw_pushes.c.id == push_id))).mappings().first()
    if row is None:
        raise NotFound(f"push {push_id} is not in the archive")
    return _view(row)


@router.post("/pushes/{push_id}/replay", response_model=ReplayView)
async def replay_push(push_id: int, request: Request, ctx: ContextDep, _: Ops) -> ReplayView:
    """Verify the archived raw push again with the current configuration (after a fix, e.g. a
    corrected secret) and, if it now passes, queue its orders. The signature is always checked:
    replay never accepts an unsigned push. Replaying an accepted push refetches its orders."""
    async with ctx.db.transaction(correlation_id=request.state.correlation_id) as tx:
        row = await lock_push(tx.conn, push_id)
        if row is None:
            raise NotFound(f"push {push_id} is not in the archive")
        adapter = get_hub(ctx).adapter(row["channel"])
        notices, reason, _status = verify(adapter, dict(row["headers"]), bytes(row["body"]))
        for notice in notices:
            await enqueue_fetch(tx.conn, notice.ref, source="replay", push_id=push_id)
        previous = f" (was: {row['reason']})" if row["reason"] and not reason else ""
        await record_replay(
            tx.conn,
            push_id,
            verdict=REJECTED if reason else ACCEPTED,
            reason=reason or f"replayed{previous}",
            notices=len(notices),
        )
        replayed = (await tx.conn.execute(select(raw_pushes).where(raw_pushes.c.id == push_id))).mappings().one()
    return ReplayView(
        push=_view(replayed), accepted=not reason, reason=reason, orders=[n.ref.channel_order_no for n in notices]
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
    ctx: ContextDep, _: Ops, failing: bool = True, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[FetchTaskView]:
    """Open order fetches (by default only those whose last attempt failed), oldest first."""
    query = select(fetch_tasks).where(fetch_tasks.c.done_at.is_(None)).order_by(fetch_tasks.c.id).limit(limit)
    if failing:
        query = query.where(fetch_tasks.c.last_error != "")
    async with ctx.db.transaction() as tx:
        rows = (await tx.conn.execute(query)).mappings().all()
    return [FetchTaskView.model_validate(dict(r)) for r in rows]


@router.post("/fetches/{task_id}/retry", response_model=FetchTaskView)
async def retry_fetch(task_id: int, request: Request, ctx: ContextDep, _: Ops) -> FetchTaskView:
    """Make an open fetch due now instead of at the end of its backoff (e.g. after a fix is deployed)."""
    async with ctx.db.transaction(correlation_id=request.state.correlation_id) as tx:
        row = await make_due(tx.conn, task_id)
    if row is None:
        raise NotFound(f"fetch task {task_id} is not open")
    return FetchTaskView.model_validate(dict(row))


class WatermarkView(BaseModel):
    channel: str
    shop_id: str
    watermark: datetime
    last_run_at: datetime
    last_listed: int


@router.get("/sync", response_model=list[WatermarkView])
async def get_sync_state(ctx: ContextDep, _: Ops) -> list[WatermarkView]:
    """Each shop's sync watermark: everything modified before it has been listed and queued."""
    async with ctx.db.transaction() as tx:
        rows = (await tx.conn.execute(select(sync_watermarks).order_by(sync_watermarks.c.channel))).mappings().all()
    return [WatermarkView.model_validate(dict(r)) for r in rows]

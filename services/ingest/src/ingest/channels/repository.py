"""Every statement of channel intake: the raw push archive (each push exactly as received, with
its verdict), the queue of platform orders to fetch, the per-shop sync watermarks and the platform
state of each channel order. Runs on the caller's connection and never commits.

The fetch queue: pushes, syncs and replays add to it in their own transaction; the fetch worker
leases due tasks (a short transaction), calls the platform with no transaction open, and closes or
reschedules the task with the intake's transaction. A worker that dies mid-fetch leaves a lease
that simply expires, so the order is fetched again: nothing is lost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orderhub_contracts.order import Channel
from sqlalchemy import RowMapping, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.channels.base import OrderRef
from ingest.tables import fetch_tasks, platform_orders, raw_pushes, sync_watermarks

ACCEPTED = "accepted"
REJECTED = "rejected"
# Headers that carry credentials of ours rather than the platform's signature are not kept.
_SECRET_HEADERS = frozenset({"cookie"})


def archivable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS}


async def archive_push(
    conn: AsyncConnection,
    *,
    channel: str,
    headers: Mapping[str, str],
    body: bytes,
    verdict: str,
    reason: str = "",
    notices: int = 0,
) -> int:
    stmt = (
        raw_pushes.insert()
        .values(
            channel=channel,
            headers=archivable_headers(headers),
            body=body,
            verdict=verdict,
            reason=reason,
            notices=notices,
        )
        .returning(raw_pushes.c.id)
    )
    push_id: int = (await conn.execute(stmt)).scalar_one()
    return push_id


async def list_pushes(
    conn: AsyncConnection, *, channel: str | None, verdict: str | None, before_id: int | None, limit: int
) -> Sequence[RowMapping]:
    query = select(raw_pushes).order_by(raw_pushes.c.id.desc()).limit(limit)
    if channel:
        query = query.where(raw_pushes.c.channel == channel)
    if verdict:
        query = query.where(raw_pushes.c.verdict == verdict)
    if before_id is not None:
        query = query.where(raw_pushes.c.id < before_id)
    return (await conn.execute(query)).mappings().all()


async def lock_push(conn: AsyncConnection, push_id: int) -> RowMapping | None:
    query = select(raw_pushes).where(raw_pushes.c.id == push_id).with_for_update()
    return (await conn.execute(query)).mappings().first()


async def record_replay(conn: AsyncConnection, push_id: int, *, verdict: str, reason: str, notices: int) -> datetime:
    stmt = (
        update(raw_pushes)
        .where(raw_pushes.c.id == push_id)
        .values(verdict=verdict, reason=reason, notices=notices, replayed_at=func.now())
        .returning(raw_pushes.c.replayed_at)
    )
    replayed_at: datetime = (await conn.execute(stmt)).scalar_one()
    return replayed_at


LEASE = timedelta(seconds=60)
MAX_BACKOFF_S = 600.0


@dataclass(frozen=True, slots=True)
class FetchTask:
    id: int
    ref: OrderRef
    source: str
    generation: int
    attempts: int


async def enqueue_fetch(conn: AsyncConnection, ref: OrderRef, *, source: str, push_id: int | None = None) -> None:
    """Ask for the order to be fetched. An open task for it is made due now and its generation
    bumped, so a fetch already in flight (possibly older than this hint) does not close it."""
    stmt = pg_insert(fetch_tasks).values(
        channel=ref.channel.value,
        shop_id=ref.shop_id,
        channel_order_no=ref.channel_order_no,
        source=source,
        push_id=push_id,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[fetch_tasks.c.channel, fetch_tasks.c.channel_order_no],
        index_where=fetch_tasks.c.done_at.is_(None),
        set_={"generation": fetch_tasks.c.generation + 1, "next_attempt_at": func.now()},
    )
    await conn.execute(stmt)


async def lease_due(conn: AsyncConnection, *, limit: int, channels: Sequence[str]) -> list[FetchTask]:
    """Take up to `limit` due tasks of the given channels and lease them (attempts + 1)."""
    due = (
        select(fetch_tasks.c.id)
        .where(
            fetch_tasks.c.done_at.is_(None),
            fetch_tasks.c.next_attempt_at <= func.now(),
            fetch_tasks.c.channel.in_(list(channels)),
        )
        .order_by(fetch_tasks.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(fetch_tasks)
        .where(fetch_tasks.c.id.in_(due))
        .values(attempts=fetch_tasks.c.attempts + 1, next_attempt_at=func.now() + LEASE)
        .returning(
            fetch_tasks.c.id,
            fetch_tasks.c.channel,
            fetch_tasks.c.shop_id,
            fetch_tasks.c.channel_order_no,
            fetch_tasks.c.source,
            fetch_tasks.c.generation,
            fetch_tasks.c.attempts,
        )
    )
    rows = (await conn.execute(stmt)).all()
    return [
        FetchTask(r.id, OrderRef(Channel(r.channel), r.shop_id, r.channel_order_no), r.source, r.generation, r.attempts)
        for r in rows
    ]


async def complete(conn: AsyncConnection, task: FetchTask) -> bool:
    """Close the task unless a newer hint arrived while it was being fetched (then it stays due)."""
    stmt = (
        update(fetch_tasks)
        .where(and_(fetch_tasks.c.id == task.id, fetch_tasks.c.generation == task.generation))
        .values(done_at=func.now(), last_error="")
    )
    closed = (await conn.execute(stmt)).rowcount > 0
    if not closed:
        await conn.execute(update(fetch_tasks).where(fetch_tasks.c.id == task.id).values(next_attempt_at=func.now()))
    return closed


async def reschedule(conn: AsyncConnection, task: FetchTask, error: str) -> float:
    """Retry later with exponential backoff (capped); the task is never dropped."""
    delay = min(2.0 ** min(task.attempts, 10), MAX_BACKOFF_S)
    await conn.execute(
        update(fetch_tasks)
        .where(fetch_tasks.c.id == task.id)
        .values(last_error=error[:2000], next_attempt_at=func.now() + timedelta(seconds=delay))
    )
    return delay


async def make_due(conn: AsyncConnection, task_id: int) -> RowMapping | None:
    """Make an open task due now (ops, after a fix); None when there is no such open task."""
    stmt = (
        update(fetch_tasks)
        .where(fetch_tasks.c.id == task_id, fetch_tasks.c.done_at.is_(None))
        .values(next_attempt_at=func.now())
        .returning(*fetch_tasks.c)
    )
    return (await conn.execute(stmt)).mappings().first()


async def get_push(conn: AsyncConnection, push_id: int) -> RowMapping | None:
    return (await conn.execute(select(raw_pushes).where(raw_pushes.c.id == push_id))).mappings().first()


async def list_open_fetches(conn: AsyncConnection, *, failing: bool, limit: int) -> Sequence[RowMapping]:
    """Open fetch tasks, oldest first; with `failing`, only those whose last attempt failed."""
    query = select(fetch_tasks).where(fetch_tasks.c.done_at.is_(None)).order_by(fetch_tasks.c.id).limit(limit)
    if failing:
        query = query.where(fetch_tasks.c.last_error != "")
    return (await conn.execute(query)).mappings().all()


async def read_watermark(conn: AsyncConnection, channel: str, shop_id: str) -> datetime | None:
    value: datetime | None = await conn.scalar(
        select(sync_watermarks.c.watermark).where(
            sync_watermarks.c.channel == channel, sync_watermarks.c.shop_id == shop_id
        )
    )
    return value


async def advance_watermark(
    conn: AsyncConnection, channel: str, shop_id: str, watermark: datetime, listed: int
) -> None:
    stmt = pg_insert(sync_watermarks).values(channel=channel, shop_id=shop_id, watermark=watermark, last_listed=listed)
    # greatest(): two overlapping syncs of one shop never move the watermark backwards.
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[sync_watermarks.c.channel, sync_watermarks.c.shop_id],
            set_={
                "watermark": func.greatest(sync_watermarks.c.watermark, watermark),
                "last_run_at": func.now(),
                "last_listed": listed,
            },
        )
    )


async def list_watermarks(conn: AsyncConnection) -> Sequence[RowMapping]:
    return (await conn.execute(select(sync_watermarks).order_by(sync_watermarks.c.channel))).mappings().all()


async def get_platform_state(conn: AsyncConnection, order_id: str) -> RowMapping | None:
    """What was last applied from the platform for this order (None: never fetched)."""
    query = select(platform_orders).where(platform_orders.c.order_id == order_id)
    return (await conn.execute(query)).mappings().first()


async def save_platform_state(conn: AsyncConnection, order_id: str, values: Mapping[str, Any]) -> None:
    stmt = pg_insert(platform_orders).values(order_id=order_id, **values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[platform_orders.c.order_id], set_={**values, "updated_at": func.now()}
        )
    )

"""The queue of platform orders to fetch. Pushes, syncs and replays add to it in their own
transaction; the fetch worker leases due tasks (a short transaction), calls the platform with no
transaction open, and closes or reschedules the task with the intake's transaction. A worker that
dies mid-fetch leaves a lease that simply expires, so the order is fetched again: nothing is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from orderhub_contracts.order import Channel
from sqlalchemy import RowMapping, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.channels.base import OrderRef
from ingest.tables import fetch_tasks

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

"""The raw push archive: every push exactly as received, with the verdict and its reason.
Runs on the caller's connection (the push's own transaction); never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.tables import raw_pushes

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

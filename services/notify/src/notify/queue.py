"""The sender's queries on the delivery log: claiming due and stale messages, the usage the
limits are checked against, and settling. Functions take the caller's connection, never commit."""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, Text, and_, column, func, literal_column, select, text, update, values
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.limits import Usage
from notify.model import Message
from notify.repository import message_of
from notify.tables import messages

m = messages.c
# One claimer at a time (per database): the limits count what earlier claims admitted.
_CLAIM_LOCK = "notify.sender.claim"
WAKE_CHANNEL = "notify_sender"


# Transactions that have already asked for a wake-up: one NOTIFY per transaction is enough, and a
# consumer batch records hundreds of messages in one transaction.
_woken: weakref.WeakSet[object] = weakref.WeakSet()


async def wake_sender(conn: AsyncConnection) -> None:
    """Delivered to the listening sender(s) when the caller's transaction commits."""
    transaction = conn.sync_connection.get_transaction() if conn.sync_connection is not None else None
    if transaction is not None and transaction in _woken:
        return
    await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": WAKE_CHANNEL})
    if transaction is not None:
        _woken.add(transaction)


async def lock_claims(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": _CLAIM_LOCK})


async def due(conn: AsyncConnection, limit: int) -> list[Message]:
    query: Select[tuple[object, ...]] = (
        select(messages)
        .where(m.status.in_(("queued", "held")), m.not_before <= func.clock_timestamp())
        .order_by(m.not_before)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [message_of(row) for row in (await conn.execute(query)).mappings()]


async def stale(conn: AsyncConnection, older_than_s: float, limit: int) -> list[Message]:
    """Messages left `sending` (a timeout, or a crash after the provider call); re-stamped so no
    other sender takes them while this one resolves them."""
    horizon = func.clock_timestamp() - func.make_interval(0, 0, 0, 0, 0, 0, older_than_s)
    ids = (
        select(m.message_id)
        .where(m.status == "sending", m.last_attempt_at < horizon)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = update(messages).where(m.message_id.in_(ids)).values(last_attempt_at=func.clock_timestamp())
    return [message_of(row) for row in (await conn.execute(stmt.returning(messages))).mappings()]


async def usage(conn: AsyncConnection, recipients: Sequence[str]) -> dict[str, Usage]:
    """Provider calls per recipient in the last minute / hour / day, and when the oldest of the
    minute's and hour's calls happened (the window frees up a minute / an hour after those)."""
    if not recipients:
        return {}
    now = func.clock_timestamp()
    minute = m.last_attempt_at > now - text("interval '1 minute'")
    hour = m.last_attempt_at > now - text("interval '1 hour'")
    query = (
        select(
            m.recipient,
            func.count().filter(minute).label("minute"),
            func.count().filter(hour).label("hour"),
            func.count().label("day"),
            func.min(m.last_attempt_at).filter(minute).label("oldest_minute"),
            func.min(m.last_attempt_at).filter(hour).label("oldest_hour"),
            literal_column("clock_timestamp()").label("now"),
        )
        .where(
            m.recipient.in_(recipients),
            m.status.in_(("sending", "sent")),
            m.last_attempt_at > now - text("interval '1 day'"),
        )
        .group_by(m.recipient)
    )
    rows = (await conn.execute(query)).mappings()
    return {r["recipient"]: Usage(r["minute"], r["hour"], r["day"], r["oldest_minute"], r["oldest_hour"]) for r in rows}


async def database_now(conn: AsyncConnection) -> datetime:
    value: datetime = (await conn.execute(select(func.clock_timestamp()))).scalar_one()
    return value


async def claim(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[Message]:
    """Mark as `sending` and count the attempt, before the provider is called."""
    if not ids:
        return []
    stmt = (
        update(messages)
        .where(m.message_id.in_(ids))
        .values(status="sending", attempts=m.attempts + 1, last_attempt_at=func.clock_timestamp())
        .returning(messages)
    )
    return [message_of(row) for row in (await conn.execute(stmt)).mappings()]


async def hold(conn: AsyncConnection, message_id: uuid.UUID, reason: str, until: datetime) -> None:
    await conn.execute(
        update(messages).where(m.message_id == message_id).values(status="held", hold_reason=reason, not_before=until)
    )


async def retry_later(conn: AsyncConnection, message_id: uuid.UUID, code: str, detail: str, delay_s: float) -> None:
    when = func.clock_timestamp() + func.make_interval(0, 0, 0, 0, 0, 0, delay_s)
    stmt = update(messages).where(and_(m.message_id == message_id, m.status == "sending"))
    await conn.execute(stmt.values(status="queued", error_code=code, error_detail=detail[:1000], not_before=when))


async def note_error(conn: AsyncConnection, message_id: uuid.UUID, code: str, detail: str) -> None:
    """An ambiguous failure: the message stays `sending` until it is resolved."""
    stmt = update(messages).where(m.message_id == message_id, m.status == "sending")
    await conn.execute(stmt.values(error_code=code, error_detail=detail[:1000]))


async def settle_sent(conn: AsyncConnection, message_id: uuid.UUID, provider_message_id: str) -> Message | None:
    """None when the message was settled meanwhile (so nothing is published twice)."""
    stmt = (
        update(messages)
        .where(m.message_id == message_id, m.status == "sending")
        .values(
            status="sent",
            provider_message_id=provider_message_id,
            sent_at=func.clock_timestamp(),
            error_code=None,
            error_detail=None,
        )
        .returning(messages)
    )
    row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else message_of(row)


async def settle_sent_many(conn: AsyncConnection, sent: Sequence[tuple[uuid.UUID, str]]) -> list[Message]:
    """`settle_sent` for a batch in one statement; only the messages still `sending` come back."""
    if not sent:
        return []
    answers = values(column("id", UUID(as_uuid=True)), column("pid", Text), name="answers").data(list(sent))
    stmt = (
        update(messages)
        .where(m.message_id == answers.c.id, m.status == "sending")
        .values(
            status="sent",
            provider_message_id=answers.c.pid,
            sent_at=func.clock_timestamp(),
            error_code=None,
            error_detail=None,
        )
        .returning(messages)
    )
    return [message_of(row) for row in (await conn.execute(stmt)).mappings()]


async def settle_failed(conn: AsyncConnection, message_id: uuid.UUID, code: str, detail: str) -> Message | None:
    stmt = (
        update(messages)
        .where(m.message_id == message_id, m.status.in_(("queued", "held", "sending")))
        .values(status="failed", error_code=code, error_detail=detail[:1000])
        .returning(messages)
    )
    row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else message_of(row)

"""Every statement on the delivery log: recording messages and reading them (the API), and the
sender's claiming of due and stale messages, the usage the limits are checked against, and
settling. Functions take the caller's connection and never commit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import RowMapping, and_, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.messages.limits import Usage
from notify.messages.model import Channel, Message, MessageStatus, NewMessage
from notify.tables import messages


@dataclass(frozen=True, slots=True)
class MessageFilter:
    order_id: str | None = None
    channel: Channel | None = None
    status: MessageStatus | None = None
    limit: int = 50


def message_of(row: RowMapping) -> Message:
    return Message(**{f.name: row[f.name] for f in fields(Message)})


# Every column of a message, in `Message` field order, so a row maps onto it by position.
MESSAGE_COLUMNS = ", ".join(f.name for f in fields(Message))


def message_from(row: Sequence[Any]) -> Message:
    """A row selected or returned with MESSAGE_COLUMNS."""
    return Message(*row)


# Listened to by the senders: a NOTIFY is delivered when the transaction that sent it commits.
WAKE_CHANNEL = "notify_sender"

# One fixed statement over arrays, whatever the batch size: compiled and planned once. ON CONFLICT
# makes a repeat (event, template, recipient) a no-op, also against a copy in the same batch. The
# sender is woken from the same statement (no round trip of its own); Postgres folds the identical
# notifications of one transaction into one.
_INSERT_MANY = text(
    "INSERT INTO notify.messages (message_id, order_id, event_id, template, channel, recipient, "
    "recipient_masked, text, params, provider, correlation_id, status, error_code, error_detail, not_before) "
    "SELECT r.message_id, r.order_id, r.event_id, r.template, r.channel, r.recipient, r.recipient_masked, "
    "r.text, CAST(r.params AS jsonb), r.provider, r.correlation_id, r.status, r.error_code, r.error_detail, "
    "clock_timestamp() "
    "FROM unnest(CAST(:message_ids AS uuid[]), CAST(:order_ids AS text[]), CAST(:event_ids AS text[]), "
    "CAST(:templates AS text[]), CAST(:channels AS text[]), CAST(:recipients AS text[]), "
    "CAST(:masked AS text[]), CAST(:texts AS text[]), CAST(:params AS text[]), CAST(:providers AS text[]), "
    "CAST(:correlation_ids AS text[]), CAST(:statuses AS text[]), CAST(:error_codes AS text[]), "
    "CAST(:error_details AS text[])) WITH ORDINALITY "
    "AS r(message_id, order_id, event_id, template, channel, recipient, recipient_masked, text, params, "
    "provider, correlation_id, status, error_code, error_detail, n) ORDER BY r.n "
    "ON CONFLICT (event_id, template, recipient) DO NOTHING "
    f"RETURNING {MESSAGE_COLUMNS}, pg_notify('{WAKE_CHANNEL}', '')"
)


@dataclass(frozen=True, slots=True)
class Unsendable:
    """Why a new message is recorded as failed straight away (nobody can receive it)."""

    error_code: str
    detail: str


async def insert_many(conn: AsyncConnection, batch: Sequence[tuple[NewMessage, Unsendable | None]]) -> list[Message]:
    """Record new messages in one statement: `queued`, or `failed` with the reason when one is
    given, and wake the senders when the caller's transaction commits. Returns those that are
    new; a (event, template, recipient) recorded before, or twice in the batch, comes back once
    at most."""
    if not batch:
        return []
    news = [new for new, _ in batch]
    result = await conn.execute(
        _INSERT_MANY,
        {
            "message_ids": [uuid.uuid4() for _ in news],
            "order_ids": [n.order_id for n in news],
            "event_ids": [n.event_id for n in news],
            "templates": [n.template for n in news],
            "channels": [n.channel for n in news],
            "recipients": [n.recipient for n in news],
            "masked": [n.recipient_masked for n in news],
            "texts": [n.text for n in news],
            "params": [json.dumps(n.params, ensure_ascii=False) for n in news],
            "providers": [n.provider for n in news],
            "correlation_ids": [n.correlation_id or None for n in news],
            "statuses": ["queued" if why is None else "failed" for _, why in batch],
            "error_codes": [None if why is None else why.error_code for _, why in batch],
            "error_details": [None if why is None else why.detail[:1000] for _, why in batch],
        },
    )
    return [message_from(row[:-1]) for row in result]


async def find_messages(conn: AsyncConnection, where: MessageFilter) -> list[Message]:
    """Newest first."""
    query = select(messages).order_by(messages.c.created_at.desc(), messages.c.message_id).limit(where.limit)
    if where.order_id is not None:
        query = query.where(messages.c.order_id == where.order_id)
    if where.channel is not None:
        query = query.where(messages.c.channel == where.channel)
    if where.status is not None:
        query = query.where(messages.c.status == where.status)
    return [message_of(row) for row in (await conn.execute(query)).mappings()]


async def get_message(conn: AsyncConnection, message_id: uuid.UUID) -> Message | None:
    row = (await conn.execute(select(messages).where(messages.c.message_id == message_id))).mappings().first()
    return None if row is None else message_of(row)


# The sender's statements.
m = messages.c
# One claimer at a time (per database): the limits count what earlier claims admitted.
_CLAIM_LOCK = "notify.sender.claim"


async def lock_claims(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": _CLAIM_LOCK})


# Due messages, locked, with their recipients' usage in the trailing windows and the database's
# time, in one round trip. FOR UPDATE SKIP LOCKED: a message another sender holds is left to it.
_DUE = text(
    f"WITH due AS (SELECT {MESSAGE_COLUMNS} FROM notify.messages "
    "WHERE status IN ('queued', 'held') AND not_before <= clock_timestamp() "
    "ORDER BY not_before LIMIT :limit FOR UPDATE SKIP LOCKED) "
    "SELECT due.*, u.minute, u.hour, u.day, u.oldest_minute, u.oldest_hour, clock_timestamp() AS now "
    "FROM due LEFT JOIN LATERAL ("
    "SELECT count(*) FILTER (WHERE x.last_attempt_at > clock_timestamp() - interval '1 minute') AS minute, "
    "count(*) FILTER (WHERE x.last_attempt_at > clock_timestamp() - interval '1 hour') AS hour, "
    "count(*) AS day, "
    "min(x.last_attempt_at) FILTER (WHERE x.last_attempt_at > clock_timestamp() - interval '1 minute') "
    "AS oldest_minute, "
    "min(x.last_attempt_at) FILTER (WHERE x.last_attempt_at > clock_timestamp() - interval '1 hour') "
    "AS oldest_hour "
    "FROM notify.messages x WHERE x.recipient = due.recipient AND x.status IN ('sending', 'sent') "
    "AND x.last_attempt_at > clock_timestamp() - interval '1 day') u ON true "
    "ORDER BY due.not_before"
)
_WIDTH = len(fields(Message))


@dataclass(frozen=True, slots=True)
class Due:
    """Messages due now (oldest first), provider calls per recipient in the trailing windows
    (the limits are checked against them) and the database's time."""

    messages: list[Message]
    usage: dict[str, Usage]
    now: datetime | None


async def due(conn: AsyncConnection, limit: int) -> Due:
    rows = (await conn.execute(_DUE, {"limit": limit})).all()
    found = [message_from(row[:_WIDTH]) for row in rows]
    usage = {msg.recipient: Usage(*row[_WIDTH : _WIDTH + 5]) for msg, row in zip(found, rows, strict=True)}
    return Due(found, usage, rows[0][-1] if rows else None)


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


_CLAIM = text(
    "UPDATE notify.messages SET status = 'sending', attempts = attempts + 1, last_attempt_at = clock_timestamp() "
    "WHERE message_id = ANY(CAST(:ids AS uuid[])) RETURNING message_id, attempts, last_attempt_at"
)


async def claim(conn: AsyncConnection, admitted: Sequence[Message]) -> list[Message]:
    """Mark as `sending` and count the attempt, before the provider is called."""
    if not admitted:
        return []
    rows = await conn.execute(_CLAIM, {"ids": [message.message_id for message in admitted]})
    stamped = {row[0]: (row[1], row[2]) for row in rows}
    return [
        replace(message, status="sending", attempts=stamped[key][0], last_attempt_at=stamped[key][1])
        for message in admitted
        if (key := message.message_id) in stamped
    ]


_HOLD = text(
    "UPDATE notify.messages m SET status = 'held', hold_reason = h.reason, not_before = h.until "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:reasons AS text[]), CAST(:untils AS timestamptz[])) "
    "AS h(id, reason, until) WHERE m.message_id = h.id"
)


async def hold(conn: AsyncConnection, held: Sequence[tuple[uuid.UUID, str, datetime]]) -> None:
    """Keep messages back until the given time, with the reason: (message ID, reason, until)."""
    if held:
        ids, reasons, untils = zip(*held, strict=True)
        await conn.execute(_HOLD, {"ids": list(ids), "reasons": list(reasons), "untils": list(untils)})


@dataclass(frozen=True, slots=True)
class ErrorSettlement:
    """What a provider error leaves a `sending` message as: `failed`; still `sending` (ambiguous:
    looked up before it is sent again); or `queued` again after `delay_s`."""

    message_id: uuid.UUID
    status: Literal["failed", "sending", "queued"]
    code: str
    detail: str
    delay_s: float = 0.0


_SETTLE_ERRORS = text(
    "UPDATE notify.messages m SET status = e.status, error_code = e.code, error_detail = e.detail, "
    "not_before = CASE WHEN e.status = 'queued' THEN clock_timestamp() + make_interval(secs => e.delay) "
    "ELSE m.not_before END "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:codes AS text[]), "
    "CAST(:details AS text[]), CAST(:delays AS float8[])) AS e(id, status, code, detail, delay) "
    "WHERE m.message_id = e.id AND m.status = 'sending' RETURNING m.message_id"
)


async def settle_errors(conn: AsyncConnection, settlements: Sequence[ErrorSettlement]) -> set[uuid.UUID]:
    """A batch's provider errors in one statement; the IDs of the messages that were still `sending`."""
    if not settlements:
        return set()
    params = {
        "ids": [s.message_id for s in settlements],
        "statuses": [s.status for s in settlements],
        "codes": [s.code for s in settlements],
        "details": [s.detail[:1000] for s in settlements],
        "delays": [s.delay_s for s in settlements],
    }
    return {row[0] for row in await conn.execute(_SETTLE_ERRORS, params)}


async def retry_later(conn: AsyncConnection, message_id: uuid.UUID, code: str, detail: str, delay_s: float) -> None:
    when = func.clock_timestamp() + func.make_interval(0, 0, 0, 0, 0, 0, delay_s)
    stmt = update(messages).where(and_(m.message_id == message_id, m.status == "sending"))
    await conn.execute(stmt.values(status="queued", error_code=code, error_detail=detail[:1000], not_before=when))


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


_SETTLE_SENT_MANY = text(
    "UPDATE notify.messages m SET status = 'sent', provider_message_id = a.pid, sent_at = clock_timestamp(), "
    "error_code = NULL, error_detail = NULL "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:pids AS text[])) AS a(id, pid) "
    "WHERE m.message_id = a.id AND m.status = 'sending' RETURNING m.message_id"
)


async def settle_sent_many(conn: AsyncConnection, sent: Sequence[tuple[uuid.UUID, str]]) -> set[uuid.UUID]:
    """`settle_sent` for a batch in one statement; only the IDs of messages still `sending` come
    back (one settled meanwhile is not announced twice)."""
    if not sent:
        return set()
    ids, pids = zip(*sent, strict=True)
    rows = await conn.execute(_SETTLE_SENT_MANY, {"ids": list(ids), "pids": list(pids)})
    return {row[0] for row in rows}


async def settle_failed(conn: AsyncConnection, message_id: uuid.UUID, code: str, detail: str) -> Message | None:
    stmt = (
        update(messages)
        .where(m.message_id == message_id, m.status.in_(("queued", "held", "sending")))
        .values(status="failed", error_code=code, error_detail=detail[:1000])
        .returning(messages)
    )
    row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else message_of(row)

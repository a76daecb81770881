"""All queries on the delivery log. Functions take the caller's connection and never commit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import RowMapping, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.model import Channel, Message, MessageStatus, NewMessage
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

"""All queries on the delivery log. Functions take the caller's connection and never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields

from sqlalchemy import RowMapping, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
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


# Built once: a consumer batch records hundreds of messages, each with this statement.
_INSERT_QUEUED = (
    pg_insert(messages)
    .values(status="queued", not_before=func.clock_timestamp())
    .on_conflict_do_nothing(index_elements=["event_id", "template", "recipient"])
    .returning(messages)
)


async def insert_queued(conn: AsyncConnection, new: NewMessage) -> Message | None:
    """The new queued message, or None when this (event, template, recipient) already has one."""
    params = {
        "message_id": uuid.uuid4(),
        "order_id": new.order_id,
        "event_id": new.event_id,
        "template": new.template,
        "channel": new.channel,
        "recipient": new.recipient,
        "recipient_masked": new.recipient_masked,
        "text": new.text,
        "params": new.params,
        "provider": new.provider,
        "correlation_id": new.correlation_id or None,
    }
    row = (await conn.execute(_INSERT_QUEUED, params)).mappings().first()
    return None if row is None else message_of(row)


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

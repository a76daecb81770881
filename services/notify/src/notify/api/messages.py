"""The delivery log: what was sent to whom (recipients masked), newest first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from orderhub_contracts.timezone import as_shanghai
from orderhub_runtime.app import DatabaseDep
from orderhub_runtime.errors import NotFound
from pydantic import BaseModel

from notify.deps import Staff
from notify.messages import repository
from notify.messages.model import Channel, Message, MessageStatus

router = APIRouter(prefix="/v1", tags=["messages"])


class MessageView(BaseModel):
    message_id: uuid.UUID
    order_id: str
    template: str
    channel: Channel
    recipient_masked: str
    text: str
    provider: str
    provider_message_id: str | None
    status: MessageStatus
    error_code: str | None
    error_detail: str | None  # the provider's own code and words
    hold_reason: str | None  # why it waits or was dropped: quiet_hours, rate_limited_minute, ...
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = None  # when a queued / held message may go out
    sent_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> MessageView:
        view = cls.model_validate(message, from_attributes=True)  # the same-named fields
        waiting = message.status in ("queued", "held")
        return view.model_copy(
            update={
                "created_at": as_shanghai(message.created_at),
                "last_attempt_at": _shanghai(message.last_attempt_at),
                "next_attempt_at": _shanghai(message.not_before) if waiting else None,
                "sent_at": _shanghai(message.sent_at),
            }
        )


def _shanghai(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_shanghai(moment)


class MessagePage(BaseModel):
    items: list[MessageView]


@router.get("/messages")
async def list_messages(
    db: DatabaseDep,
    _: Staff,
    order_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    channel: Channel | None = None,
    status: MessageStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    where = repository.MessageFilter(order_id=order_id, channel=channel, status=status, limit=limit)
    async with db.read() as conn:
        found = await repository.find_messages(conn, where)
    return MessagePage(items=[MessageView.of(m) for m in found])


@router.get("/messages/{message_id}")
async def get_message(message_id: uuid.UUID, db: DatabaseDep, _: Staff) -> MessageView:
    async with db.read() as conn:
        message = await repository.get_message(conn, message_id)
    if message is None:
        raise NotFound(f"message {message_id} does not exist")
    return MessageView.of(message)

"""The delivery log's vocabulary: channels, message statuses, and one message as stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

Channel = Literal["sms", "wecom"]
# queued: recorded, waiting for the sender (due at `not_before`); sending: claimed, the provider is
# being (or was, if we crashed) called; held: kept back by a limit or quiet hours until `not_before`.
MessageStatus = Literal["queued", "sending", "sent", "failed", "held"]
CHANNELS: tuple[str, ...] = get_args(Channel)
STATUSES: tuple[str, ...] = get_args(MessageStatus)


@dataclass(frozen=True, slots=True)
class NewMessage:
    order_id: str
    event_id: str
    template: str
    channel: Channel
    recipient: str  # full (phone, or WeCom "user:<id>" / "robot:<name>"): what the provider needs
    recipient_masked: str
    text: str
    params: dict[str, str]  # the template variables, so a queued message can be sent from its row alone
    provider: str
    correlation_id: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    message_id: uuid.UUID
    order_id: str
    event_id: str
    template: str
    channel: Channel
    recipient: str
    recipient_masked: str
    text: str
    params: dict[str, str]
    provider: str
    provider_message_id: str | None
    status: MessageStatus
    error_code: str | None
    error_detail: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    hold_reason: str | None
    not_before: datetime | None
    last_attempt_at: datetime | None
    correlation_id: str | None

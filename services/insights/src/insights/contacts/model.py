"""A contact with the customer about an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

SYSTEM_AGENT = "系统(短信)"


class ContactKind(StrEnum):
    SMS = "sms"  # an SMS notify sent to the customer
    PHONE = "phone"  # a call an agent logged
    CHAT = "chat"  # a chat (旺旺, 拼多多客服, 抖音 IM, WeChat) an agent logged


@dataclass(frozen=True, slots=True)
class LogContact:
    """Command: an agent logs a call or chat with the customer of an order."""

    order_id: str
    kind: ContactKind
    agent: str
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Contact:
    contact_id: int
    order_id: str
    kind: str
    agent: str
    note: str
    at: datetime

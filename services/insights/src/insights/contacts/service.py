"""Use cases: contacts with the customer, logged by agents or learnt from notifications."""

from __future__ import annotations

from datetime import datetime

from orderhub_runtime.db import Tx

from insights.contacts import repository
from insights.contacts.model import SYSTEM_AGENT, Contact, ContactKind, LogContact


async def log_contact(tx: Tx, command: LogContact) -> Contact:
    return await repository.add_contact(
        tx.conn,
        order_id=command.order_id,
        kind=command.kind.value,
        agent=command.agent,
        note=command.note,
        at=command.at,
    )


async def record_sms_sent(tx: Tx, *, event_id: str, order_id: str, at: datetime) -> None:
    """notify sends SMS to customers only: each one sent is a contact with the customer."""
    await repository.add_event_contact(
        tx.conn, event_id=event_id, order_id=order_id, kind=ContactKind.SMS.value, agent=SYSTEM_AGENT, at=at
    )

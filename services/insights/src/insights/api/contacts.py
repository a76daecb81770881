"""Contacts with the customer that an agent logs on an order (a call, a chat): they count as the
first contact for the anomaly response time (快), as an SMS sent to the customer does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from orderhub_runtime.app import DatabaseDep

from insights.api.schemas import ContactIn, ContactOut
from insights.contacts import repository
from insights.contacts.model import LogContact
from insights.contacts.service import log_contact
from insights.deps import Agent

router = APIRouter(prefix="/v1", tags=["contacts"])
OrderId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/orders/{order_id}/contacts", status_code=201)
async def add_contact(order_id: OrderId, body: ContactIn, db: DatabaseDep, staff: Agent) -> ContactOut:
    command = LogContact(order_id, body.kind, staff.name, body.note, datetime.now(UTC))
    async with db.transaction() as tx:
        contact = await log_contact(tx, command)
    return ContactOut.of(contact)


@router.get("/orders/{order_id}/contacts")
async def list_contacts(order_id: OrderId, db: DatabaseDep, _: Agent) -> list[ContactOut]:
    async with db.read() as conn:
        return [ContactOut.of(c) for c in await repository.contacts_of(conn, order_id)]

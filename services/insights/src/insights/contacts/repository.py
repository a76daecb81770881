"""SQL of the contacts with customers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from insights.contacts.model import Contact
from insights.tables import contacts


async def add_contact(
    conn: AsyncConnection, *, order_id: str, kind: str, agent: str, note: str, at: datetime
) -> Contact:
    row = (
        (
            await conn.execute(
                insert(contacts)
                .values(order_id=order_id, kind=kind, agent=agent, note=note, at=at)
                .returning(
                    contacts.c.contact_id,
                    contacts.c.order_id,
                    contacts.c.kind,
                    contacts.c.agent,
                    contacts.c.note,
                    contacts.c.at,
                )
            )
        )
        .mappings()
        .one()
    )
    return Contact(**row)


async def add_event_contact(
    conn: AsyncConnection, *, event_id: str, order_id: str, kind: str, agent: str, at: datetime
) -> None:
    """A contact that arrived as an event; a redelivered event adds nothing."""
    await conn.execute(
        pg_insert(contacts)
        .values(order_id=order_id, kind=kind, agent=agent, at=at, source_event_id=event_id)
        .on_conflict_do_nothing(index_elements=["source_event_id"])
    )


async def contacts_of(conn: AsyncConnection, order_id: str) -> list[Contact]:
    query = (
        select(
            contacts.c.contact_id,
            contacts.c.order_id,
            contacts.c.kind,
            contacts.c.agent,
            contacts.c.note,
            contacts.c.at,
        )
        .where(contacts.c.order_id == order_id)
        .order_by(contacts.c.at, contacts.c.contact_id)
    )
    return [Contact(**row) for row in (await conn.execute(query)).mappings()]

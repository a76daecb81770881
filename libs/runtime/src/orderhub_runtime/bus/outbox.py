"""Writing events into the outbox, in the caller's transaction."""

from __future__ import annotations

from orderhub_contracts.envelope import Envelope, encode
from orderhub_contracts.events import DomainEvent, to_envelope
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection


def headers_to_json(headers: list[tuple[str, bytes]]) -> list[list[str]]:
    return [[name, value.decode("utf-8", "replace") if value is not None else ""] for name, value in headers]


def headers_from_json(raw: list[list[str]]) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in raw]


class OutboxWriter:
    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source

    async def add_event(
        self, conn: AsyncConnection, event: DomainEvent, *, correlation_id: str = "", causation_id: str = ""
    ) -> str:
        envelope = to_envelope(event, source=self.source, correlation_id=correlation_id, causation_id=causation_id)
        await self.add_envelope(conn, envelope, topic=event.topic.value)
        return envelope.id

    async def add_envelope(self, conn: AsyncConnection, envelope: Envelope, *, topic: str) -> None:
        record = encode(envelope)
        await self.add_raw(
            conn,
            topic=topic,
            key=envelope.subject,
            value=record.value,
            headers=record.headers,
            event_id=envelope.id,
            event_type=envelope.type,
        )

    async def add_raw(
        self,
        conn: AsyncConnection,
        *,
        topic: str,
        key: str,
        value: bytes,
        headers: list[tuple[str, bytes]],
        event_id: str,
        event_type: str,
    ) -> None:
        await conn.execute(
            insert(self.table).values(
                topic=topic,
                key=key,
                value=value,
                headers=headers_to_json(headers),
                event_id=event_id,
                event_type=event_type,
            )
        )

"""Writing events into the outbox, in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from orderhub_contracts.envelope import encode
from orderhub_contracts.events import DomainEvent, to_envelope
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection


def headers_to_json(headers: list[tuple[str, bytes]]) -> list[list[str]]:
    return [[name, value.decode("utf-8", "replace") if value is not None else ""] for name, value in headers]


def headers_from_json(raw: list[list[str]]) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in raw]


class OutboxWriter:
    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source
        self._insert_many = text(
            f"INSERT INTO {table.schema}.{table.name} (topic, key, value, headers, event_id, event_type) "
            "SELECT r.topic, r.key, r.value, CAST(r.headers AS jsonb), r.event_id, r.event_type "
            "FROM unnest(CAST(:topics AS text[]), CAST(:keys AS text[]), CAST(:values AS bytea[]), "
            "CAST(:headers AS text[]), CAST(:event_ids AS text[]), CAST(:event_types AS text[])) "
            "WITH ORDINALITY AS r(topic, key, value, headers, event_id, event_type, n) ORDER BY r.n"
        )

    def row_for_event(
        self, event: DomainEvent, *, correlation_id: str = "", causation_id: str = ""
    ) -> tuple[str, dict[str, Any]]:
        """The event's outbox row, not yet written; returns (event ID, row)."""
        envelope = to_envelope(event, source=self.source, correlation_id=correlation_id, causation_id=causation_id)
        record = encode(envelope)
        row = {
            "topic": event.topic.value,
            "key": envelope.subject,
            "value": record.value,
            "headers": headers_to_json(record.headers),
            "event_id": envelope.id,
            "event_type": envelope.type,
        }
        return envelope.id, row

    async def write_rows(self, conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows in the given order (their serial IDs keep it for the relay). One fixed
        statement over arrays whatever the row count, so it is compiled and planned once."""
        if not rows:
            return
        await conn.execute(
            self._insert_many,
            {
                "topics": [r["topic"] for r in rows],
                "keys": [r["key"] for r in rows],
                "values": [r["value"] for r in rows],
                "headers": [json.dumps(r["headers"], ensure_ascii=False) for r in rows],
                "event_ids": [r["event_id"] for r in rows],
                "event_types": [r["event_type"] for r in rows],
            },
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
        row = {
            "topic": topic,
            "key": key,
            "value": value,
            "headers": headers_to_json(headers),
            "event_id": event_id,
            "event_type": event_type,
        }
        await self.write_rows(conn, [row])

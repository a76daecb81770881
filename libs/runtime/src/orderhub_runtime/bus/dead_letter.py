"""Dead letters go out through the outbox like everything else, so they are never lost."""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord
from orderhub_contracts.envelope import decode_headers
from orderhub_contracts.topics import dead_letter_topic
from sqlalchemy.ext.asyncio import AsyncConnection

from orderhub_runtime.bus.outbox import OutboxWriter

DLQ_HEADER_PREFIX = "x-orderhub-dlq-"


async def dead_letter(
    conn: AsyncConnection,
    outbox: OutboxWriter,
    *,
    service: str,
    group: str,
    logical_topic: str,
    record: ConsumerRecord,
    error: BaseException,
    attempts: int,
) -> None:
    original = list(record.headers or [])
    ce_id = decode_headers(original).get("ce_id", "") or f"{record.topic}:{record.partition}:{record.offset}"
    extra = {
        "error": f"{type(error).__name__}: {error}"[:2000],
        "original-topic": logical_topic,
        "original-partition": str(record.partition),
        "original-offset": str(record.offset),
        "group": group,
        "failed-at": datetime.now(UTC).isoformat(),
        "attempts": str(attempts),
    }
    headers = original + [(DLQ_HEADER_PREFIX + k, v.encode()) for k, v in extra.items()]
    key = record.key.decode("utf-8", "replace") if record.key else ""
    await outbox.add_raw(
        conn,
        topic=dead_letter_topic(service),
        key=key,
        value=record.value or b"",
        headers=headers,
        event_id=ce_id,
        event_type="dead_letter",
    )

"""Local providers: instead of sending, they record what a real provider would have been given
(table `recorded_sends`, in a transaction of their own, as a remote provider would) and log it
with the phone masked, at debug level (the sender logs every send at info already). The SMS one
can be asked what it recorded for an out ID, like Aliyun's QuerySendDetails, so crash recovery
behaves as with a real provider."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderhub_contracts.phone import mask_phone, mask_phones_in_text
from orderhub_runtime.logging import get_logger
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from notify.providers.base import ProviderResult
from notify.routing import WeComTarget
from notify.tables import recorded_sends

log = get_logger(__name__)
# Asked before building a debug line: a line costs more than the rest of a recorded send.
_debug = logging.getLogger(__name__)
RECORDING = "recording"


def _new_id() -> str:
    return f"rec-{uuid.uuid4().hex}"


_FIELDS = ("provider_message_id", "provider", "channel", "recipient", "template_code", "params", "text", "out_id")
# One fixed statement over arrays, whatever the number of rows: compiled and planned once.
_INSERT_MANY = text(
    f"INSERT INTO notify.recorded_sends ({', '.join(_FIELDS)}) "
    "SELECT r.provider_message_id, r.provider, r.channel, r.recipient, r.template_code, CAST(r.params AS jsonb), "
    "r.text, r.out_id FROM unnest(CAST(:provider_message_id AS text[]), CAST(:provider AS text[]), "
    "CAST(:channel AS text[]), CAST(:recipient AS text[]), CAST(:template_code AS text[]), "
    "CAST(:params AS text[]), CAST(:text AS text[]), CAST(:out_id AS text[])) "
    f"AS r({', '.join(_FIELDS)})"
)


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {name: [row.get(name) for row in rows] for name in _FIELDS}
    columns["params"] = [None if p is None else json.dumps(p, ensure_ascii=False) for p in columns["params"]]
    return columns


class _GroupWriter:
    """Rows from concurrent calls (the sender calls a batch at once) written with one INSERT and
    one commit; each call returns once its row is committed, as a remote provider's would. Rows
    of one writer have the same keys (one writer per provider)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, row: dict[str, Any]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the other calls of this round join
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                # One statement is its own transaction: no BEGIN / COMMIT round trips around it.
                async with self._engine.connect() as conn:
                    autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(_INSERT_MANY, _columns([row for row, _ in batch]))
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


class RecordingSmsProvider:
    name = RECORDING

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._writer = _GroupWriter(engine)

    async def send(self, phone: str, template_code: str, params: Mapping[str, str], out_id: str) -> ProviderResult:
        message_id = _new_id()
        await self._writer.write(
            {
                "provider_message_id": message_id,
                "provider": RECORDING,
                "channel": "sms",
                "recipient": phone,
                "template_code": template_code,
                "params": dict(params),
                "out_id": out_id,
            }
        )
        if _debug.isEnabledFor(logging.DEBUG):  # the sender logs every send (notification.sent) already
            log.debug(
                "sms.recorded",
                phone=mask_phone(phone),
                template=template_code,
                out_id=out_id,
                provider_message_id=message_id,
            )
        return ProviderResult(message_id=message_id)

    async def find_sent(self, phone: str, out_id: str, since: datetime) -> ProviderResult | None:
        query = select(recorded_sends.c.provider_message_id).where(
            recorded_sends.c.out_id == out_id, recorded_sends.c.recipient == phone
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).scalar()
        return None if found is None else ProviderResult(message_id=found)


class RecordingWeComProvider:
    name = RECORDING

    def __init__(self, engine: AsyncEngine) -> None:
        self._writer = _GroupWriter(engine)

    async def send(self, target: WeComTarget, text: str, dedupe_key: str) -> ProviderResult:
        message_id = _new_id()
        await self._writer.write(
            {
                "provider_message_id": message_id,
                "provider": RECORDING,
                "channel": "wecom",
                "recipient": target.address,
                "text": text,
                "out_id": dedupe_key,
            }
        )
        if _debug.isEnabledFor(logging.DEBUG):
            log.debug(
                "wecom.recorded",
                target=mask_phones_in_text(target.address),
                chars=len(text),
                provider_message_id=message_id,
            )
        return ProviderResult(message_id=message_id)

"""The sender: a background task that delivers committed messages, one provider call at a time
per message and never inside a transaction.

Each round: (1) resolve messages left `sending` too long (a timeout, or a crash between the
provider call and the commit) by asking the provider whether it has them (`find_sent`) before
anything is sent again; (2) claim due `queued` / `held` messages under the limits — `sending`,
attempt counted, committed before the call; (3) call the providers concurrently; (4) settle each
message and publish NotificationSent / Failed in one transaction. Woken by LISTEN/NOTIFY when a
consumer transaction commits new messages, with a poll as the safety net."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import asyncpg
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.bus.relay import asyncpg_dsn
from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncEngine

from notify import queue
from notify.delivery import call_provider, published_failed, published_sent
from notify.limits import Limits, plan
from notify.model import Message
from notify.providers.base import ProviderResult, ProviderSet
from notify.settings import NotifySettings

log = get_logger(__name__)


def backoff_s(attempts: int, base_s: float, max_s: float) -> float:
    """Delay before attempt `attempts + 1`: base, 2×base, 4×base, ... capped."""
    return float(min(max_s, base_s * 2 ** max(attempts - 1, 0)))


class Sender:
    def __init__(
        self, settings: NotifySettings, limits: Limits, providers: Callable[[AsyncEngine], ProviderSet]
    ) -> None:
        self._settings = settings
        self._limits = limits
        self._make_providers = providers
        self._wakeup = asyncio.Event()
        self._last_recovery = 0.0

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, ctx: ServiceContext) -> None:
        """The background task (`ServiceSpec.background`)."""
        providers = self._make_providers(ctx.engine)
        listener: Any = None
        try:
            listener = await asyncpg.connect(asyncpg_dsn(self._settings.database_url.get_secret_value()))
            await listener.add_listener(queue.WAKE_CHANNEL, lambda *_: self._wakeup.set())
            while True:
                self._wakeup.clear()
                try:
                    busy = await self.run_once(ctx.db, providers)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # keep sending; the rows stay where they were
                    log.error("sender.error", error=repr(exc))
                    await asyncio.sleep(1.0)
                    continue
                if busy < self._settings.sender_batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), timeout=self._settings.sender_poll_interval_s)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()
            await providers.aclose()

    async def run_once(self, db: Database, providers: ProviderSet) -> int:
        """One round; returns how many messages were handed to providers."""
        if time.monotonic() - self._last_recovery >= self._settings.sender_poll_interval_s:
            self._last_recovery = time.monotonic()
            await self.recover(db, providers)
        claimed = await self.claim(db)
        await asyncio.gather(*(self.deliver(db, providers, message) for message in claimed))
        return len(claimed)

    async def claim(self, db: Database) -> list[Message]:
        async with db.transaction() as tx:
            await queue.lock_claims(tx.conn)
            candidates = await queue.due(tx.conn, self._settings.sender_batch_size)
            if not candidates:
                return []
            usage = await queue.usage(tx.conn, sorted({c.recipient for c in candidates}))
            now = await queue.database_now(tx.conn)
            admitted = []
            for message, verdict in plan(candidates, usage, self._limits, now):
                if verdict.action == "send":
                    admitted.append(message.message_id)
                elif verdict.action == "hold" and verdict.until is not None:
                    await queue.hold(tx.conn, message.message_id, verdict.reason, verdict.until)
                    log.info("notification.held", message_id=str(message.message_id), reason=verdict.reason)
                else:
                    detail = f"over the per-{message.channel} daily cap for {message.recipient_masked}"
                    await published_failed(tx, message, verdict.reason, detail, permanent=False)
            return await queue.claim(tx.conn, admitted)

    async def deliver(self, db: Database, providers: ProviderSet, message: Message) -> None:
        outcome = await call_provider(providers, message)
        async with db.transaction(correlation_id=message.correlation_id or "", causation_id=message.event_id) as tx:
            if isinstance(outcome, ProviderResult):
                await published_sent(tx, message, outcome)
            elif outcome.permanent:
                await published_failed(tx, message, outcome.code, outcome.detail, permanent=True)
            elif outcome.ambiguous:
                # The provider may have sent it: left `sending` for `recover` to look it up first.
                await queue.note_error(tx.conn, message.message_id, outcome.code, outcome.detail)
                log.warning("notification.ambiguous", message_id=str(message.message_id), error_code=outcome.code)
            elif message.attempts >= self._settings.max_attempts:
                await published_failed(tx, message, outcome.code, outcome.detail, permanent=False)
            else:
                delay = backoff_s(message.attempts, self._settings.retry_base_s, self._settings.retry_max_s)
                await queue.retry_later(tx.conn, message.message_id, outcome.code, outcome.detail, delay)
                log.info("notification.retry", message_id=str(message.message_id), error_code=outcome.code, in_s=delay)

    async def recover(self, db: Database, providers: ProviderSet) -> int:
        async with db.transaction() as tx:
            lost = await queue.stale(tx.conn, self._settings.sending_stale_after_s, self._settings.sender_batch_size)
        for message in lost:
            await self._resolve(db, providers, message)
        return len(lost)

    async def _resolve(self, db: Database, providers: ProviderSet, message: Message) -> None:
        found: ProviderResult | None = None
        if message.channel == "sms":
            try:
                found = await providers.sms.find_sent(message.recipient, str(message.message_id), message.created_at)
            except Exception as exc:  # cannot tell yet: stays `sending`, asked again next time
                log.warning("notification.lookup_failed", message_id=str(message.message_id), error=repr(exc))
                return
        # WeCom has no lookup: the message is sent again (app messages are deduplicated by WeCom).
        async with db.transaction(correlation_id=message.correlation_id or "", causation_id=message.event_id) as tx:
            if found is not None:
                log.info("notification.recovered_sent", message_id=str(message.message_id))
                await published_sent(tx, message, found)
            elif message.attempts >= self._settings.max_attempts:
                code = message.error_code or "no_answer"
                await published_failed(tx, message, code, "no answer from the provider", permanent=False)
            else:
                log.info("notification.resend", message_id=str(message.message_id), channel=message.channel)
                await queue.retry_later(tx.conn, message.message_id, message.error_code or "no_answer", "", 0.0)

"""The sender: a background task that delivers committed messages, one provider call at a time
per message and never inside a transaction.

Each round: (1) resolve messages left `sending` too long (a timeout, or a crash between the
provider call and the commit) by asking the provider whether it has them (`find_sent`) before
anything is sent again; (2) claim due `queued` / `held` messages under the limits — `sending`,
attempt counted, committed before the call; (3) call the providers concurrently; (4) settle the
batch and publish NotificationSent / Failed in one transaction. Woken by LISTEN/NOTIFY when a
consumer transaction commits new messages, with a poll as the safety net."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import asyncpg
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.bus.relay import asyncpg_dsn
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncEngine

from notify import queue
from notify.delivery import announce_sent, call_provider, published_failed, published_sent
from notify.limits import Limits, plan
from notify.model import Message
from notify.providers.base import ProviderError, ProviderResult, ProviderSet
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
        """The background task (`ServiceSpec.background`). Claims are serial; up to
        `sender_concurrency` claimed batches are with the providers / being settled at once, so
        a slow settle does not hold back the next claim."""
        providers = self._make_providers(ctx.engine)
        listener: Any = None
        slots = asyncio.Semaphore(self._settings.sender_concurrency)
        inflight: set[asyncio.Task[None]] = set()
        try:
            listener = await asyncpg.connect(asyncpg_dsn(self._settings.database_url.get_secret_value()))
            await listener.add_listener(queue.WAKE_CHANNEL, lambda *_: self._wakeup.set())
            while True:
                self._wakeup.clear()
                await slots.acquire()
                try:
                    claimed = await self._recover_and_claim(ctx.db, providers)
                except Exception as exc:  # keep sending; the rows stay where they were
                    slots.release()
                    log.error("sender.error", error=repr(exc))
                    await asyncio.sleep(1.0)
                    continue
                except BaseException:
                    slots.release()
                    raise
                if claimed:
                    task = asyncio.create_task(self._deliver_in_slot(ctx.db, providers, claimed, slots))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
                else:
                    slots.release()
                if len(claimed) < self._settings.sender_batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), timeout=self._settings.sender_poll_interval_s)
        finally:
            if inflight:  # let the batches with the providers settle; what does not is recovered later
                await asyncio.wait(inflight, timeout=self._settings.provider_timeout_s + 1.0)
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()
            await providers.aclose()

    async def _recover_and_claim(self, db: Database, providers: ProviderSet) -> list[Message]:
        if time.monotonic() - self._last_recovery >= self._settings.sender_poll_interval_s:
            self._last_recovery = time.monotonic()
            await self.recover(db, providers)
        return await self.claim(db)

    async def _deliver_in_slot(
        self, db: Database, providers: ProviderSet, claimed: list[Message], slots: asyncio.Semaphore
    ) -> None:
        try:
            await self.deliver(db, providers, claimed)
        except Exception as exc:  # left `sending`: `recover` looks them up before sending again
            log.error("sender.deliver_failed", error=repr(exc), messages=len(claimed))
        finally:
            slots.release()

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

    async def deliver(self, db: Database, providers: ProviderSet, messages: list[Message]) -> None:
        """Call the providers for all claimed messages at once, then settle them in one
        transaction (one commit for the batch). Should that transaction fail, the messages stay
        `sending` and are resolved by `recover`, which looks before it sends again."""
        outcomes = await asyncio.gather(*(call_provider(providers, message) for message in messages))
        results = {m.message_id: o for m, o in zip(messages, outcomes, strict=True) if isinstance(o, ProviderResult)}
        async with db.transaction() as tx:
            settled = await queue.settle_sent_many(tx.conn, [(key, r.message_id) for key, r in results.items()])
            for sent in settled:
                await announce_sent(self._own(tx, sent), sent, results[sent.message_id])
            for message, outcome in zip(messages, outcomes, strict=True):
                if isinstance(outcome, ProviderError):
                    own = self._own(tx, message)
                    await self._settle_error(own, message, outcome)
                    tx.published += own.published
            tx.published += len(settled)

    @staticmethod
    def _own(tx: Tx, message: Message) -> Tx:
        """`tx` publishing with the message's own event's correlation, caused by that event."""
        return replace(tx, correlation_id=message.correlation_id or "", causation_id=message.event_id, published=0)

    async def _settle_error(self, tx: Tx, message: Message, outcome: ProviderError) -> None:
        if outcome.permanent:
            await published_failed(tx, message, outcome.reason, outcome.described, permanent=True)
        elif outcome.ambiguous:
            # The provider may have sent it: left `sending` for `recover` to look it up first.
            await queue.note_error(tx.conn, message.message_id, outcome.reason, outcome.described)
            log.warning("notification.ambiguous", message_id=str(message.message_id), error_code=outcome.reason)
        elif message.attempts >= self._settings.max_attempts:
            await published_failed(tx, message, outcome.reason, outcome.described, permanent=False)
        else:
            delay = backoff_s(message.attempts, self._settings.retry_base_s, self._settings.retry_max_s)
            await queue.retry_later(tx.conn, message.message_id, outcome.reason, outcome.described, delay)
            log.info("notification.retry", message_id=str(message.message_id), error_code=outcome.reason, in_s=delay)

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

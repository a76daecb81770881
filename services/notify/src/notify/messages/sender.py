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
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import asyncpg
from orderhub_runtime.app import ServiceContext
from orderhub_runtime.bus.relay import asyncpg_dsn
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.logging import get_logger

from notify.deps import NotifyDeps
from notify.messages import repository as queue
from notify.messages.limits import plan
from notify.messages.model import Message
from notify.messages.repository import WAKE_CHANNEL
from notify.messages.service import (
    announce_failed,
    announce_sent,
    call_provider,
    published_failed,
    published_sent,
)
from notify.providers.base import ProviderError, ProviderResult, ProviderSet

log = get_logger(__name__)


def backoff_s(attempts: int, base_s: float, max_s: float) -> float:
    """Delay before attempt `attempts + 1`: base, 2×base, 4×base, ... capped."""
    return float(min(max_s, base_s * 2 ** max(attempts - 1, 0)))


def sender_task(deps: NotifyDeps) -> Callable[[ServiceContext[NotifyDeps]], Coroutine[Any, Any, None]]:
    """The background task (`ServiceSpec.background`): a sender of the deps' providers."""

    async def send_messages(ctx: ServiceContext[NotifyDeps]) -> None:
        await Sender(deps).run(ctx.db)

    return send_messages


class Sender:
    """One sender loop's state: its wake-up signal and when it last recovered stale messages."""

    def __init__(self, deps: NotifyDeps) -> None:
        self._settings = deps.settings
        self._limits = deps.limits
        self._providers = deps.providers
        self._wakeup = asyncio.Event()
        self._last_recovery = 0.0

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, db: Database) -> None:
        """Claims are serial; up to `sender_concurrency` claimed batches are with the providers /
        being settled at once, so a slow settle does not hold back the next claim. The providers
        are closed by the app (`NotifyDeps.close`), after this loop has stopped."""
        providers = self._providers
        listener: Any = None
        slots = asyncio.Semaphore(self._settings.sender_concurrency)
        inflight: set[asyncio.Task[None]] = set()
        try:
            listener = await asyncpg.connect(asyncpg_dsn(self._settings.database_url.get_secret_value()))
            await listener.add_listener(WAKE_CHANNEL, lambda *_: self._wakeup.set())
            while True:
                self._wakeup.clear()
                await slots.acquire()
                try:
                    claimed = await self._recover_and_claim(db, providers)
                except Exception as exc:  # keep sending; the rows stay where they were
                    slots.release()
                    log.error("sender.error", error=repr(exc))
                    await asyncio.sleep(1.0)
                    continue
                except BaseException:
                    slots.release()
                    raise
                if claimed:
                    task = asyncio.create_task(self._deliver_in_slot(db, providers, claimed, slots))
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
        """Due messages under the limits, marked `sending` in one transaction (the same few
        statements whatever the batch size); the rest held with the reason or, over a daily cap,
        failed."""
        async with db.transaction() as tx:
            await queue.lock_claims(tx.conn)
            due = await queue.due(tx.conn, self._settings.sender_batch_size)
            if due.now is None:
                return []
            admitted: list[Message] = []
            held: list[tuple[uuid.UUID, str, datetime]] = []
            for message, verdict in plan(due.messages, due.usage, self._limits, due.now):
                if verdict.action == "send":
                    admitted.append(message)
                elif verdict.action == "hold" and verdict.until is not None:
                    held.append((message.message_id, verdict.reason, verdict.until))
                    log.info("notification.held", message_id=str(message.message_id), reason=verdict.reason)
                else:
                    detail = f"over the per-{message.channel} daily cap for {message.recipient_masked}"
                    await published_failed(self._own(tx, message), message, verdict.reason, detail, permanent=False)
            await queue.hold(tx.conn, held)
            return await queue.claim(tx.conn, admitted)

    async def deliver(self, db: Database, providers: ProviderSet, messages: list[Message]) -> None:
        """Call the providers for all claimed messages at once, then settle them in one
        transaction (one commit for the batch). Should that transaction fail, the messages stay
        `sending` and are resolved by `recover`, which looks before it sends again."""
        outcomes = await asyncio.gather(*(call_provider(providers, message) for message in messages))
        results = [(m, o) for m, o in zip(messages, outcomes, strict=True) if isinstance(o, ProviderResult)]
        async with db.transaction() as tx:
            settled = await queue.settle_sent_many(tx.conn, [(m.message_id, r.message_id) for m, r in results])
            for message, result in results:
                if message.message_id in settled:
                    await announce_sent(self._own(tx, message), message, result)
            errors = [(m, o) for m, o in zip(messages, outcomes, strict=True) if isinstance(o, ProviderError)]
            await self._settle_errors(tx, errors)

    @staticmethod
    def _own(tx: Tx, message: Message) -> Tx:
        """`tx`, publishing with the message's own event's correlation, caused by that event."""
        tx.correlation_id = message.correlation_id or ""
        tx.causation_id = message.event_id
        return tx

    async def _settle_errors(self, tx: Tx, errors: list[tuple[Message, ProviderError]]) -> None:
        """Failed, left `sending` for a lookup, or queued for a retry: one statement for the batch."""
        plans = [(message, outcome, self._after(message, outcome)) for message, outcome in errors]
        still_sending = await queue.settle_errors(tx.conn, [settlement for _, _, settlement in plans])
        for message, outcome, settlement in plans:
            key = str(message.message_id)
            if message.message_id not in still_sending:
                continue
            if settlement.status == "failed":
                own = self._own(tx, message)
                await announce_failed(own, message, outcome.reason, outcome.described, permanent=outcome.permanent)
            elif settlement.status == "sending":
                log.warning("notification.ambiguous", message_id=key, error_code=outcome.reason)
            else:
                log.info("notification.retry", message_id=key, error_code=outcome.reason, in_s=settlement.delay_s)

    def _after(self, message: Message, outcome: ProviderError) -> queue.ErrorSettlement:
        key, code, detail = message.message_id, outcome.reason, outcome.described
        if outcome.permanent or (not outcome.ambiguous and message.attempts >= self._settings.max_attempts):
            return queue.ErrorSettlement(key, "failed", code, detail)
        if outcome.ambiguous:  # the provider may have sent it: `recover` looks it up first
            return queue.ErrorSettlement(key, "sending", code, detail)
        delay = backoff_s(message.attempts, self._settings.retry_base_s, self._settings.retry_max_s)
        return queue.ErrorSettlement(key, "queued", code, detail, delay)

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

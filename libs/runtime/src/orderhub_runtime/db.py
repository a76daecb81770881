"""The database handle and the unit of work. The entrypoint (HTTP route or message handler
wrapper) opens the transaction; repositories and handlers only execute statements on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from orderhub_contracts.envelope import Envelope
from orderhub_contracts.events import DomainEvent
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.context import current_correlation_id
from orderhub_runtime.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")
# Deadlock / serialization failure: another transaction won a lock race; redoing the work is safe.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


@dataclass
class Tx:
    """One open transaction: run statements on `conn`, queue events with `publish`.

    Published events are buffered and written to the outbox in one statement just before the
    transaction commits (`flush`): a batch of handled messages costs one outbox round trip, not
    one per event. The rows are not visible to this transaction's own queries before that."""

    conn: AsyncConnection
    outbox: OutboxWriter
    correlation_id: str = ""
    causation_id: str = ""
    published: int = field(default=0)
    _pending: list[dict[str, Any]] = field(default_factory=list)

    def acting_on(self, envelope: Envelope) -> None:
        """Events published from now on are caused by `envelope` (and share its correlation)."""
        self.correlation_id = envelope.correlation_id or envelope.id
        self.causation_id = envelope.id

    async def publish(self, event: DomainEvent) -> str:
        """Queue the event for the outbox in this transaction; returns its event ID."""
        event_id, row = self.outbox.row_for_event(
            event, correlation_id=self.correlation_id, causation_id=self.causation_id
        )
        self._pending.append(row)
        self.published += 1
        return event_id

    async def flush(self) -> None:
        """Write the queued events to the outbox (called by the entrypoint before commit)."""
        rows, self._pending = self._pending, []
        await self.outbox.write_rows(self.conn, rows)


class Database:
    def __init__(self, engine: AsyncEngine, outbox: OutboxWriter, on_publish: Callable[[], None]) -> None:
        self.engine = engine
        self.outbox = outbox
        self._on_publish = on_publish

    @asynccontextmanager
    async def transaction(self, *, correlation_id: str = "", causation_id: str = "") -> AsyncIterator[Tx]:
        """The unit of work: one transaction whose published events reach the outbox before it
        commits. The correlation ID defaults to the one of the request or message in hand."""
        async with self.engine.begin() as conn:
            tx = Tx(
                conn=conn,
                outbox=self.outbox,
                correlation_id=correlation_id or current_correlation_id(),
                causation_id=causation_id,
            )
            yield tx
            await tx.flush()
        if tx.published:
            self._on_publish()  # committed: wake the relay now rather than at its next poll

    async def run_in_transaction(self, work: Callable[[Tx], Awaitable[T]], *, attempts: int = 3) -> T:
        """Run `work` in a transaction, redone from the start (at most `attempts` times) when it
        loses a lock race (deadlock or serialization failure); other errors go up at once."""
        attempt = 1
        while True:
            try:
                async with self.transaction() as tx:
                    return await work(tx)
            except DBAPIError as exc:
                if attempt >= attempts or getattr(exc.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES:
                    raise
                log.warning("db.transaction_retried", attempt=attempt, error=type(exc.orig).__name__)
                attempt += 1

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads only (GET routes, queries): no transaction to commit."""
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

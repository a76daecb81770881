"""The outbox relay: publishes committed outbox rows in order with acks=all and marks them sent.

Woken at once by the service's own commits and by LISTEN/NOTIFY (other instances), with a slow
poll as the safety net. One relay per service schema is active at a time (advisory lock), which
keeps per-order ordering across instances. Sent rows are kept for the retention period so they
can be replayed into a memory-only broker that came back empty."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from orderhub_contracts.topics import resolve_topic
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from orderhub_runtime.bus.outbox import headers_from_json
from orderhub_runtime.bus.watch import BrokerWatch
from orderhub_runtime.logging import get_logger
from orderhub_runtime.metrics import EVENTS_PUBLISHED
from orderhub_runtime.schema import MessagingTables, outbox_channel
from orderhub_runtime.settings import RuntimeSettings

log = get_logger(__name__)
BROKER_STATE_KEY = "broker_cluster_id"
_MAINTENANCE_EVERY_S = 600.0


class PublishFailed(Exception):
    """The broker did not take a batch (away, timing out): the rows stay unsent for later."""


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        database_url: str,
        tables: MessagingTables,
        producer: AIOKafkaProducer,
        settings: RuntimeSettings,
        schema: str,
        watch: BrokerWatch | None = None,
    ) -> None:
        self._engine = engine
        self._dsn = asyncpg_dsn(database_url)
        self._tables = tables
        self._producer = producer
        self._settings = settings
        self._schema = schema
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listen_conn: Any = None
        self._is_leader = False
        self._last_maintenance = 0.0
        self._watch = watch
        self._failing = False  # a non-broker failure (the database) was logged and not yet cleared
        self.published_total = 0
        # A fixed statement over an array, whatever the batch size: compiled and planned once.
        self._mark_sent = text(
            f"UPDATE {tables.outbox.schema}.{tables.outbox.name} SET sent_at = now() "
            "WHERE id = ANY(CAST(:ids AS bigint[]))"
        )

    def wake(self) -> None:
        self._wakeup.set()

    async def replay_if_new_broker(self, cluster_id: str) -> int:
        """Mark retained rows unsent when the broker is not the one we last published to."""
        t = self._tables
        async with self._engine.begin() as conn:
            query = select(t.bus_state.c.value).where(t.bus_state.c.name == BROKER_STATE_KEY)
            row = (await conn.execute(query)).first()
            if row is not None and row[0] == cluster_id:
                return 0
            replayed = 0
            if self._settings.outbox_replay_on_new_broker and row is not None:
                horizon = func.now() - text(f"interval '{int(self._settings.outbox_retention_hours)} hours'")
                result = await conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.sent_at.is_not(None), t.outbox.c.created_at > horizon)
                    .values(sent_at=None)
                )
                replayed = result.rowcount
            stmt = text(
                f"INSERT INTO {self._schema}.bus_state (name, value, updated_at) VALUES (:n, :v, now()) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = now()"
            )
            await conn.execute(stmt, {"n": BROKER_STATE_KEY, "v": cluster_id})
        if replayed:
            log.warning("outbox.replay_into_new_broker", rows=replayed, cluster_id=cluster_id)
        return replayed

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self._schema}-outbox-relay")

    async def adopt_cluster(self, cluster_id: str) -> None:
        """The broker came back as a new (empty) cluster: replay the retained events into it."""
        await self.replay_if_new_broker(cluster_id)
        self.wake()

    async def stop(self, *, drain_timeout_s: float = 5.0) -> None:
        """Publish what is pending (bounded by the timeout, skipped with the broker away), then stop."""
        if self._is_leader and (self._watch is None or self._watch.connected):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._drain(), drain_timeout_s)
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.close()

    async def _drain(self) -> None:
        while await self._publish_batch() > 0:
            pass

    async def _run(self) -> None:
        while not self._stopping:
            if self._watch is not None and not self._watch.connected:
                # The watch finds out when it is back (and replays into a new cluster first).
                await self._watch.wait_connected(self._settings.outbox_poll_interval_s)
                continue
            try:
                if not self._is_leader:
                    await self._try_lead()
                if self._is_leader:
                    while await self._publish_batch() >= self._settings.outbox_batch_size:
                        pass
                    await self._maybe_maintain()
                if self._failing:
                    self._failing = False
                    log.info("outbox.relay_resumed", schema=self._schema)
            except asyncio.CancelledError:
                raise
            except PublishFailed as exc:
                # The rows stay unsent. Whether the broker is away is the watch's call (a broker
                # back from a restart may still refuse a first send per partition).
                self._log_failure(exc)
                await asyncio.sleep(1.0)
            except Exception as exc:  # the database: keep relaying, the rows are retried
                self._log_failure(exc)
                await self._drop_leadership()
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._settings.outbox_poll_interval_s)
            self._wakeup.clear()

    def _log_failure(self, exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            log.error("outbox.relay_error", error=repr(exc)[:500], note="retrying every second; logged once")

    async def _try_lead(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        got = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"{self._schema}.outbox")
        if not got:
            await conn.close()
            return
        await conn.add_listener(outbox_channel(self._schema), lambda *_: self._wakeup.set())
        self._listen_conn = conn
        self._is_leader = True
        log.info("outbox.relay_leading", schema=self._schema)

    async def _drop_leadership(self) -> None:
        self._is_leader = False
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.close()
            self._listen_conn = None

    async def _publish_batch(self) -> int:
        ob = self._tables.outbox
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(ob.c.id, ob.c.topic, ob.c.key, ob.c.value, ob.c.headers, ob.c.event_type)
                    .where(ob.c.sent_at.is_(None))
                    .order_by(ob.c.id)
                    .limit(self._settings.outbox_batch_size)
                )
            ).all()
        if not rows:
            return 0
        try:
            futures = [
                await self._producer.send(
                    resolve_topic(row.topic, self._settings.topic_prefix),
                    value=bytes(row.value),
                    key=row.key.encode(),
                    headers=headers_from_json(row.headers),
                )
                for row in rows
            ]
        except KafkaError as exc:
            raise PublishFailed(f"the broker did not take the batch: {exc!r}") from exc
        results = await asyncio.gather(*futures, return_exceptions=True)
        # Mark only the unbroken prefix that the broker acknowledged, to keep order on a retry.
        sent = []
        failure: BaseException | None = None
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                failure = result
                break
            sent.append(row)
        if sent:
            async with self._engine.begin() as conn:
                await conn.execute(self._mark_sent, {"ids": [row.id for row in sent]})
            self.published_total += len(sent)
            for row in sent:
                EVENTS_PUBLISHED.labels(topic=row.topic, type=row.event_type).inc()
        if failure is not None:
            raise PublishFailed(f"publishing outbox row failed: {failure!r}") from failure
        return len(rows)

    async def backlog(self) -> tuple[int, float]:
        """Unsent rows and the age in seconds of the oldest (0 when none), for the metrics."""
        ob = self._tables.outbox
        age = func.extract("epoch", func.now() - func.min(ob.c.created_at))
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(func.count(), age).where(ob.c.sent_at.is_(None)))).one()
        return int(row[0]), float(row[1] or 0.0)

    async def _maybe_maintain(self) -> None:
        """Purge sent rows past retention and inbox entries past twice that."""
        now = time.monotonic()
        if now - self._last_maintenance < _MAINTENANCE_EVERY_S:
            return
        self._last_maintenance = now
        hours = int(self._settings.outbox_retention_hours)
        t = self._tables
        async with self._engine.begin() as conn:
            purged = await conn.execute(
                delete(t.outbox).where(t.outbox.c.sent_at < func.now() - text(f"interval '{hours} hours'"))
            )
            forgotten = await conn.execute(
                delete(t.inbox).where(t.inbox.c.received_at < func.now() - text(f"interval '{2 * hours} hours'"))
            )
        if purged.rowcount or forgotten.rowcount:
            log.info("outbox.maintenance", outbox_purged=purged.rowcount, inbox_purged=forgotten.rowcount)

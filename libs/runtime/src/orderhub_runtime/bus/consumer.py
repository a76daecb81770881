"""The consumer side of the bus.

Records are handled in micro-batches: one transaction claims the batch's event IDs in the inbox
and runs every new event's handler in partition order (partitions merged by record time, so an
order's events from different topics keep the order they were produced in), so effects, inbox entries and outgoing
events commit together; only then are Kafka offsets committed. If anything in a batch fails the
transaction rolls back and the batch is replayed one record per transaction, so a poison record
is retried a bounded number of times and dead-lettered alone while its neighbours go through.
Infrastructure failures (database or network down) are waited out, never dead-lettered.

A service may register a batch handler for an event type: consecutive new events of that type
in a micro-batch (partition order kept; events the service does not handle do not break a run)
are then given to it together, so it can use one set-based statement where it would otherwise
run one per event. Alone (a single-record retry) an event reaches it as a run of one."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from orderhub_contracts.envelope import Envelope, InvalidEnvelope, decode
from orderhub_contracts.events import DomainEvent, parse_event
from orderhub_contracts.topics import Topic, consumer_group, resolve_topic

from orderhub_runtime.bus.dead_letter import dead_letter
from orderhub_runtime.bus.errors import is_infrastructure_error
from orderhub_runtime.bus.inbox import InboxEntry, claim
from orderhub_runtime.bus.kafka import make_consumer
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.logging import get_logger
from orderhub_runtime.metrics import CONSUMER_BATCH_SIZE, CONSUMER_LAG, DEAD_LETTERS, EVENTS_CONSUMED, HANDLER_LATENCY
from orderhub_runtime.schema import MessagingTables
from orderhub_runtime.settings import RuntimeSettings

log = get_logger(__name__)

Handler = Callable[[Tx, Envelope, DomainEvent], Awaitable[None]]
BatchHandler = Callable[[Tx, Sequence[tuple[Envelope, DomainEvent]]], Awaitable[None]]
_INFRA_BACKOFF_MAX_S = 10.0


class _Stopped(Exception):
    pass


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    batches: int = 0


class EventConsumer:
    def __init__(
        self,
        *,
        service: str,
        settings: RuntimeSettings,
        db: Database,
        tables: MessagingTables,
        topics: Sequence[Topic],
        handlers: Mapping[str, Handler],
        batch_handlers: Mapping[str, BatchHandler] | None = None,
    ) -> None:
        self._service = service
        self._group = consumer_group(service, settings.topic_prefix)
        self._settings = settings
        self._db = db
        self._tables = tables
        self._handlers = dict(handlers)
        self._batch_handlers = dict(batch_handlers or {})
        self._handled_types = set(self._handlers) | set(self._batch_handlers)
        self._physical = {resolve_topic(t.value, settings.topic_prefix): t.value for t in topics}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.stats = ConsumerStats()
        self._next_offsets: dict[TopicPartition, int] = {}  # next offset to handle, for the lag

    async def start(self) -> None:
        self._consumer = make_consumer(
            self._settings, group_id=self._group, topics=list(self._physical), client_id=f"orderhub-{self._service}"
        )
        try:
            await self._consumer.start()
        except BaseException:
            with contextlib.suppress(Exception):  # a half-started client; the next start makes a new one
                await asyncio.wait_for(self._consumer.stop(), timeout=3.0)
            self._consumer = None
            raise
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-consumer")

    @property
    def started(self) -> bool:
        return self._task is not None

    async def stop(self, *, timeout_s: float = 10.0) -> None:
        """Finish the batch in hand, commit its offsets, leave the group: each step bounded, so
        that a broker that is away cannot hold the shutdown (uncommitted records come again and
        the inbox deduplicates them)."""
        self._stopping = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=timeout_s)
        if self._consumer is not None:
            try:
                await asyncio.wait_for(self._consumer.stop(), timeout=min(timeout_s, 3.0))
            except asyncio.CancelledError:
                # aiokafka's fetcher lets the CancelledError of its own fetch task escape from
                # stop() when a fetch is retrying (broker away); only a cancel of ours goes up.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
            except Exception as exc:
                log.warning("consumer.stop_incomplete", error=repr(exc)[:300])

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while not self._stopping:
            batch = await consumer.getmany(timeout_ms=250, max_records=self._settings.consumer_batch_size)
            if not batch:
                self._observe_lag(consumer, caught_up=True)
                continue
            CONSUMER_BATCH_SIZE.observe(sum(len(rs) for rs in batch.values()))
            # Partitions merged by record time (each partition's own order kept): an order's events
            # from different topics are handled in the order they were produced.
            partitions = [batch[tp] for tp in sorted(batch, key=lambda t: (t.topic, t.partition))]
            records = list(heapq.merge(*partitions, key=lambda r: r.timestamp))
            try:
                await self._handle_with_infra_retry(records)
            except _Stopped:
                return  # offsets not committed: the batch is handled again after restart
            offsets = {TopicPartition(tp.topic, tp.partition): rs[-1].offset + 1 for tp, rs in batch.items()}
            try:
                await consumer.commit(offsets)
            except KafkaError as exc:  # e.g. a rebalance: the records come again and are deduplicated
                log.warning("consumer.commit_failed", error=repr(exc))
            self.stats.batches += 1
            self._next_offsets.update(offsets)
            self._observe_lag(consumer, caught_up=False)

    def _observe_lag(self, consumer: AIOKafkaConsumer, *, caught_up: bool) -> None:
        """Lag from the high watermark the fetches report (the embedded broker's end_offsets is
        wrong for batched data); an empty poll means a partition we have no position for is
        caught up."""
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = self._next_offsets.get(TopicPartition(tp.topic, tp.partition))
            if position is None:
                if not caught_up:
                    continue
                position = highwater
            topic = self._physical.get(tp.topic, tp.topic)
            CONSUMER_LAG.labels(topic=topic, partition=str(tp.partition)).set(max(highwater - position, 0))

    async def _handle_with_infra_retry(self, records: list[ConsumerRecord]) -> None:
        delay = 0.5
        while True:
            try:
                await self._handle_batch(records)
                return
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    raise
                if self._stopping:
                    raise _Stopped from exc
                log.warning("consumer.infrastructure_unavailable", error=repr(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _INFRA_BACKOFF_MAX_S)

    async def _handle_batch(self, records: list[ConsumerRecord]) -> None:
        # Records of types this service does not handle are skipped on their type header alone,
        # without decoding their value: most of what a service's topics carry is not for it.
        decoded: list[tuple[ConsumerRecord, Envelope | InvalidEnvelope]] = []
        for record in records:
            kind = _type_header(record)
            if not kind or kind in self._handled_types:
                decoded.append((record, self._decode(record)))
        if any(isinstance(env, InvalidEnvelope) for _, env in decoded):
            await self._handle_singly(records)
            return
        try:
            async with self._db.transaction() as tx:
                entries = [
                    InboxEntry(env.id, self._physical[rec.topic], env.type)
                    for rec, env in decoded
                    if isinstance(env, Envelope) and env.type in self._handled_types
                ]
                fresh = await claim(tx.conn, self._tables.inbox, entries)
                self.stats.duplicates += len(entries) - len(fresh)
                new: list[Envelope] = []
                for _, env in decoded:
                    if isinstance(env, Envelope) and env.id in fresh:
                        fresh.discard(env.id)  # a second copy in the same batch is a duplicate
                        new.append(env)
                for run in _runs(new, self._batch_handlers):
                    await self._dispatch_run(tx, run)
            _count_consumed(new, self._physical, decoded)
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise
            log.warning("consumer.batch_failed_retrying_singly", error=repr(exc), records=len(records))
            self.stats.handled -= len(records)  # counted again below
            await self._handle_singly(records)
            return
        self.stats.handled += len(records)

    async def _handle_singly(self, records: list[ConsumerRecord]) -> None:
        for record in records:
            await self._handle_one(record)
            self.stats.handled += 1

    async def _handle_one(self, record: ConsumerRecord) -> None:
        kind = _type_header(record)
        if kind and kind not in self._handled_types:
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                env = self._decode(record)
                if isinstance(env, InvalidEnvelope):
                    raise env
                if env.type not in self._handled_types:
                    return
                async with self._db.transaction() as tx:
                    entry = InboxEntry(env.id, self._physical[record.topic], env.type)
                    if not await claim(tx.conn, self._tables.inbox, [entry]):
                        self.stats.duplicates += 1
                        return
                    await self._dispatch_run(tx, [env])
                EVENTS_CONSUMED.labels(topic=self._physical[record.topic], type=env.type).inc()
                return
            except Exception as exc:
                if is_infrastructure_error(exc):
                    raise
                if attempt < self._settings.consumer_max_attempts and not isinstance(exc, InvalidEnvelope):
                    await asyncio.sleep(self._settings.consumer_retry_backoff_ms / 1000 * attempt)
                    continue
                await self._dead_letter(record, exc, attempt)
                return

    async def _dead_letter(self, record: ConsumerRecord, exc: BaseException, attempts: int) -> None:
        async with self._db.transaction() as tx:
            await dead_letter(
                tx.conn,
                self._db.outbox,
                service=self._service,
                group=self._group,
                logical_topic=self._physical[record.topic],
                record=record,
                error=exc,
                attempts=attempts,
            )
            tx.published += 1
        self.stats.dead_lettered += 1
        DEAD_LETTERS.labels(topic=self._physical[record.topic], type=_type_header(record) or "unknown").inc()
        log.error(
            "consumer.dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else "",
            error=f"{type(exc).__name__}: {exc}",
            attempts=attempts,
        )

    def _decode(self, record: ConsumerRecord) -> Envelope | InvalidEnvelope:
        try:
            return decode(record.key, record.value, list(record.headers or []))
        except InvalidEnvelope as exc:
            return exc

    async def _dispatch_run(self, tx: Tx, run: list[Envelope]) -> None:
        started = time.perf_counter()
        try:
            await self._dispatch_run_timed(tx, run)
        finally:
            HANDLER_LATENCY.labels(type=run[0].type).observe(time.perf_counter() - started)

    async def _dispatch_run_timed(self, tx: Tx, run: list[Envelope]) -> None:
        batch_handler = self._batch_handlers.get(run[0].type)
        if batch_handler is None:
            for env in run:
                await self._dispatch(tx, env)
            return
        # The handler calls tx.acting_on(envelope) before publishing for each event.
        with structlog.contextvars.bound_contextvars(event_type=run[0].type, batch=len(run)):
            await batch_handler(tx, [(env, parse_event(env)) for env in run])

    async def _dispatch(self, tx: Tx, env: Envelope) -> None:
        tx.acting_on(env)
        with structlog.contextvars.bound_contextvars(
            order_id=env.subject, correlation_id=tx.correlation_id, event_type=env.type, event_id=env.id
        ):
            event = parse_event(env)
            await self._handlers[env.type](tx, env, event)


def _count_consumed(
    new: list[Envelope], physical: Mapping[str, str], decoded: list[tuple[ConsumerRecord, Envelope | InvalidEnvelope]]
) -> None:
    topics = {env.id: physical[rec.topic] for rec, env in decoded if isinstance(env, Envelope)}
    for env in new:
        EVENTS_CONSUMED.labels(topic=topics.get(env.id, ""), type=env.type).inc()


def _type_header(record: ConsumerRecord) -> str:
    """The record's ce_type header ('' when missing or unreadable: then it is decoded and judged)."""
    for name, value in record.headers or ():
        if name == "ce_type":
            try:
                return value.decode() if value else ""
            except UnicodeDecodeError:
                return ""
    return ""


def _runs(envelopes: list[Envelope], batched: Collection[str]) -> list[list[Envelope]]:
    """Split into dispatch units: consecutive envelopes of one batch-handled type form a run;
    every other envelope is a unit of its own. Order is kept."""
    runs: list[list[Envelope]] = []
    for env in envelopes:
        if runs and env.type in batched and runs[-1][0].type == env.type:
            runs[-1].append(env)
        else:
            runs.append([env])
    return runs

"""`orderhub topics tail`: the last N records of a topic across partitions, or follow new ones."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from orderhub_ops import formatting
from orderhub_ops.kafka_io import OpsConfig, admin_client, existing_topics, reader, resolve_existing_topic
from orderhub_ops.reader import OffsetRange, Record, beginning_offsets, high_watermarks, read_ranges, sort_records

# With a filter, each partition is read backwards in growing windows until it yields N matches.
FIRST_WINDOW = 200
MAX_WINDOW = 50_000


@dataclass(frozen=True, slots=True)
class TailOptions:
    topic: str
    count: int = 10
    follow: bool = False
    key: str | None = None
    ce_type: str | None = None
    json_out: bool = False
    compact: bool = False

    @property
    def filtered(self) -> bool:
        return self.key is not None or self.ce_type is not None

    def matches(self, rec: Record) -> bool:
        if self.key is not None and formatting.key_text(rec) != self.key:
            return False
        return self.ce_type is None or formatting.header_map(rec).get("ce_type") == self.ce_type


def emit(rec: Record, opts: TailOptions) -> None:
    if opts.json_out:
        print(formatting.dumps(formatting.record_json(rec)), flush=True)
    else:
        print(formatting.record_text(rec, compact=opts.compact), flush=True)


async def last_records(
    consumer: AIOKafkaConsumer,
    cfg: OpsConfig,
    opts: TailOptions,
    starts: dict[TopicPartition, int],
    hws: dict[TopicPartition, int],
) -> list[Record]:
    """The last `count` matching records of the topic, oldest first (by timestamp)."""
    if opts.count <= 0:
        return []
    found: dict[TopicPartition, list[Record]] = {tp: [] for tp in hws}
    cursor = dict(hws)  # per partition: everything at or after it has been read
    window = opts.count if not opts.filtered else max(FIRST_WINDOW, opts.count * 4)
    while True:
        todo = {tp for tp in cursor if cursor[tp] > starts[tp] and len(found[tp]) < opts.count}
        if not todo:
            break
        ranges = {tp: OffsetRange(max(starts[tp], cursor[tp] - window), cursor[tp]) for tp in todo}
        got = await read_ranges(consumer, cfg, ranges, opts.matches)
        for tp, r in ranges.items():
            found[tp] = got[tp] + found[tp]
            cursor[tp] = r.start
        window = min(window * 2, MAX_WINDOW)
    merged = sort_records(rec for recs in found.values() for rec in recs[-opts.count :])
    return merged[-opts.count :]


async def follow(consumer: AIOKafkaConsumer, opts: TailOptions, hws: dict[TopicPartition, int]) -> None:
    """Print new records as they arrive, starting at the high watermarks (never `seek_to_end`, which
    lands inside the last batch on the embedded broker). Runs until interrupted."""
    consumer.assign(sorted(hws))
    for tp, hw in hws.items():
        consumer.seek(tp, hw)
    while True:
        batch = await consumer.getmany(timeout_ms=1000, max_records=1000)
        fresh = [rec for recs in batch.values() for rec in recs if opts.matches(rec)]
        for rec in sort_records(fresh):
            emit(rec, opts)


async def run_tail(cfg: OpsConfig, opts: TailOptions) -> int:
    async with admin_client(cfg) as admin:
        topic = resolve_existing_topic(cfg, opts.topic, await existing_topics(admin))
    tps = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
    async with reader(cfg) as consumer:
        hws = await high_watermarks(consumer, cfg, tps)
        starts = await beginning_offsets(consumer, tps)
        for rec in await last_records(consumer, cfg, opts, starts, hws):
            emit(rec, opts)
        if opts.follow:
            await follow(consumer, opts, hws)
    return 0

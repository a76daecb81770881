"""High watermarks and offset-range reads with a group-less consumer.

Why not `end_offsets()`: the embedded broker answers ListOffsets(latest) with *the base offset of the
last record batch + 1*, so a partition holding one batch of 50 records reports 1. The high watermark
in a Fetch response is correct on every broker, so we seek to `max(end_offsets - 1, 0)` (on Tansu
that is the base of the last batch, on Kafka the last record), fetch once and read
`consumer.highwater(tp)`. An `end_offsets` of 0 means the partition is empty on both.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from orderhub_ops.kafka_io import OpsConfig, OpsError


class Record(Protocol):
    """The fields of aiokafka's ConsumerRecord (untyped upstream) that the ops tool reads."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


Keep = Callable[[Record], bool]


@dataclass(frozen=True, slots=True)
class OffsetRange:
    start: int
    end: int  # exclusive: read offsets start .. end-1


async def high_watermarks(
    consumer: AIOKafkaConsumer, cfg: OpsConfig, partitions: Iterable[TopicPartition]
) -> dict[TopicPartition, int]:
    """The true high watermark of each partition (all of which must exist)."""
    tps = sorted(set(partitions))
    if not tps:
        return {}
    consumer.assign(tps)
    end: dict[TopicPartition, int] = await consumer.end_offsets(tps)
    result: dict[TopicPartition, int] = {tp: 0 for tp in tps if end.get(tp, 0) <= 0}
    pending = [tp for tp in tps if tp not in result]
    if not pending:
        return result
    consumer.pause(*result)
    for tp in pending:
        consumer.seek(tp, max(end[tp] - 1, 0))
    deadline = time.monotonic() + cfg.stall_timeout_s
    while pending and time.monotonic() < deadline:
        fetched = await consumer.getmany(*pending, timeout_ms=200, max_records=100_000)
        del fetched  # only the high watermark carried by the Fetch response matters
        still: list[TopicPartition] = []
        for tp in pending:
            hw = consumer.highwater(tp)
            if hw is None:
                still.append(tp)
            else:
                result[tp] = max(int(hw), end[tp])
        pending = still
    for tp in pending:  # no Fetch answer in time: fall back to the lower bound, and say so
        print(
            f"warning: no fetch response for {tp.topic}[{tp.partition}]; "
            f"using end_offsets={end[tp]} (may undercount on the embedded broker)",
            file=sys.stderr,
        )
        result[tp] = end[tp]
    return result


async def beginning_offsets(consumer: AIOKafkaConsumer, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
    wanted = sorted(set(tps))
    if not wanted:
        return {}
    consumer.assign(wanted)
    got: dict[TopicPartition, int] = await consumer.beginning_offsets(wanted)
    return {tp: int(got.get(tp, 0)) for tp in wanted}


async def read_ranges(
    consumer: AIOKafkaConsumer,
    cfg: OpsConfig,
    ranges: dict[TopicPartition, OffsetRange],
    keep: Keep | None = None,
) -> dict[TopicPartition, list[Record]]:
    """Read `[start, end)` of each partition and return the records `keep` accepts, in offset order.

    Stops a partition once its position reaches `end` (so offset gaps from compaction or transaction
    markers cannot stall it); gives up with OpsError after `stall_timeout_s` without progress."""
    out: dict[TopicPartition, list[Record]] = {tp: [] for tp in ranges}
    todo = {tp: r for tp, r in ranges.items() if r.end > r.start}
    if not todo:
        return out
    consumer.assign(sorted(ranges))
    for tp, r in todo.items():
        consumer.seek(tp, r.start)
    consumer.pause(*[tp for tp in ranges if tp not in todo])
    last_progress = time.monotonic()
    while todo:
        batch = await consumer.getmany(*todo, timeout_ms=250, max_records=5000)
        for tp, records in batch.items():
            if tp not in todo:
                continue
            r = todo[tp]
            for rec in records:
                if r.start <= rec.offset < r.end and (keep is None or keep(rec)):
                    out[tp].append(rec)
            if records:
                last_progress = time.monotonic()
        for tp in list(todo):
            if await consumer.position(tp) >= todo[tp].end:
                del todo[tp]
                consumer.pause(tp)
        if todo and time.monotonic() - last_progress > cfg.stall_timeout_s:
            missing = ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(todo))
            raise OpsError(f"timed out reading {missing} from {cfg.bootstrap}")
        await asyncio.sleep(0)
    return out


def sort_records(records: Iterable[Record]) -> list[Record]:
    """Order records across partitions by timestamp (then partition, offset)."""
    return sorted(records, key=lambda r: (r.timestamp, r.partition, r.offset))

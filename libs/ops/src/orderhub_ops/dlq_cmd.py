"""`orderhub dlq list`: the dead-lettered messages of one service.

A dead-letter record carries the original key, value (raw bytes, maybe not JSON) and headers, plus
`x-orderhub-dlq-*` headers written by the runtime: error, original-topic (the logical name),
original-partition, original-offset, group, failed-at, attempts."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.structs import TopicPartition
from orderhub_contracts.topics import dead_letter_topic

from orderhub_ops import formatting
from orderhub_ops.kafka_io import (
    OpsConfig,
    OpsError,
    TopicInfo,
    UsageError,
    admin_client,
    existing_topics,
    reader,
    resolve_existing_topic,
)
from orderhub_ops.reader import OffsetRange, Record, beginning_offsets, high_watermarks, read_ranges, sort_records

DLQ_PREFIX = "x-orderhub-dlq-"
REDRIVEN_AT = "x-orderhub-redriven-at"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: Record
    headers: list[tuple[str, bytes]]

    @property
    def where(self) -> str:
        return f"{self.record.partition}:{self.record.offset}"

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_PREFIX)]

    def info(self, name: str) -> str:
        """A decoded `x-orderhub-dlq-<name>` header, '' when absent."""
        return formatting.header_map(self.record).get(DLQ_PREFIX + name, "")

    def header(self, name: str) -> str:
        return formatting.header_map(self.record).get(name, "")

    def info_int(self, name: str) -> int | None:
        try:
            return int(self.info(name))
        except ValueError:
            return None

    @property
    def ce_id(self) -> str:
        return self.header("ce_id")

    @property
    def key(self) -> str:
        return formatting.key_text(self.record)


@dataclass(frozen=True, slots=True)
class DeadLetters:
    topic: TopicInfo
    letters: list[DeadLetter]
    topics: dict[str, TopicInfo]  # every topic of the cluster, for resolving original topics


async def load(cfg: OpsConfig, service: str) -> DeadLetters:
    async with admin_client(cfg) as admin:
        topics = await existing_topics(admin)
    try:
        dlq = resolve_existing_topic(cfg, dead_letter_topic(service), topics)
    except UsageError as exc:
        raise OpsError(str(exc)) from exc
    tps = [TopicPartition(dlq.name, p) for p in range(dlq.partitions)]
    async with reader(cfg) as consumer:
        hws = await high_watermarks(consumer, cfg, tps)
        starts = await beginning_offsets(consumer, tps)
        got = await read_ranges(consumer, cfg, {tp: OffsetRange(starts[tp], hws[tp]) for tp in tps})
    records = sort_records(rec for recs in got.values() for rec in recs)
    return DeadLetters(dlq, [DeadLetter(rec, formatting.headers_of(rec)) for rec in records], topics)


def letter_json(dl: DeadLetter) -> dict[str, object]:
    ok, value = formatting.value_json(dl.record.value)
    return {
        "dlq_topic": dl.record.topic,
        "partition": dl.record.partition,
        "offset": dl.record.offset,
        "timestamp": formatting.format_ts(dl.record.timestamp),
        "ce_id": dl.ce_id or None,
        "ce_type": dl.header("ce_type") or None,
        "key": dl.key if dl.record.key is not None else None,
        "original_topic": dl.info("original-topic") or None,
        "original_partition": dl.info_int("original-partition"),
        "original_offset": dl.info_int("original-offset"),
        "group": dl.info("group") or None,
        "error": dl.info("error") or None,
        "failed_at": dl.info("failed-at") or None,
        "attempts": dl.info_int("attempts"),
        "redriven_before_at": dl.header(REDRIVEN_AT) or None,
        "value": value,
        "value_is_json": ok,
    }


def letter_text(dl: DeadLetter) -> str:
    orig = (
        f"{dl.info('original-topic') or '?'}[{dl.info('original-partition') or '?'}]"
        f"@{dl.info('original-offset') or '?'}"
    )
    lines = [
        f"{dl.where}  failed-at {dl.info('failed-at') or '-'}  attempts {dl.info('attempts') or '-'}"
        f"  group {dl.info('group') or '-'}",
        f"  ce_id={dl.ce_id or '-'} ce_type={dl.header('ce_type') or '-'} key={dl.key or '-'}",
        f"  original: {orig}",
        f"  error: {' '.join(dl.info('error').split()) or '-'}",
    ]
    if dl.header(REDRIVEN_AT):
        lines.append(f"  note: this message had been redriven before (at {dl.header(REDRIVEN_AT)})")
    return "\n".join(lines)


async def run_list(cfg: OpsConfig, *, service: str, json_out: bool) -> int:
    dead = await load(cfg, service)
    if json_out:
        for dl in dead.letters:
            print(formatting.dumps(letter_json(dl)))
        return 0
    print(f"{dead.topic.name}: {len(dead.letters)} dead-lettered message(s)")
    for dl in dead.letters:
        print()
        print(letter_text(dl))
    return 0

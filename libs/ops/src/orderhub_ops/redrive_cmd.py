"""`orderhub dlq redrive`: republish dead-lettered messages to their original topic.

Each one goes back with its original key, value and headers (the `x-orderhub-dlq-*` headers
stripped, `x-orderhub-redriven-at` set) to its original partition, `acks="all"`. Consumers dedupe by
`ce_id` and never record a dead-lettered event as processed, so the group that failed handles it
again while other groups skip it as a duplicate.

The tool keeps no state. Before republishing it scans the original partitions after each message's
original offset for a copy with the same `ce_id` that carries `x-orderhub-redriven-at`, and warns
if it finds one (the message was redriven already); it still redrives it, as asked.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka.structs import TopicPartition

from orderhub_ops import formatting
from orderhub_ops.dlq_cmd import REDRIVEN_AT, DeadLetter, DeadLetters, load
from orderhub_ops.kafka_io import OpsConfig, OpsError, known_logical_names, producer, reader
from orderhub_ops.reader import OffsetRange, Record, high_watermarks, read_ranges


@dataclass(frozen=True, slots=True)
class Selection:
    all: bool = False
    offsets: tuple[tuple[int | None, int], ...] = ()  # (partition or None for "any", offset)
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    letter: DeadLetter
    topic: str
    partition: int | None  # None: let the key choose (original partition unknown or gone)


def parse_offset(spec: str) -> tuple[int | None, int]:
    """`N` (any partition) or `P:N`; raises ValueError otherwise."""
    part, _, off = spec.rpartition(":")
    partition, offset = (int(part) if part else None), int(off)
    if offset < 0 or (partition is not None and partition < 0):
        raise ValueError(spec)
    return partition, offset


def _spec(partition: int | None, offset: int) -> str:
    return f"{partition}:{offset}" if partition is not None else str(offset)


def select(dead: DeadLetters, sel: Selection) -> list[DeadLetter]:
    if sel.all:
        return list(dead.letters)
    chosen: dict[tuple[int, int], DeadLetter] = {}
    for partition, offset in sel.offsets:
        spec = _spec(partition, offset)
        hits = [
            dl
            for dl in dead.letters
            if dl.record.offset == offset and (partition is None or dl.record.partition == partition)
        ]
        if not hits:
            raise OpsError(f"no dead-lettered message at offset {spec} in {dead.topic.name}")
        if len(hits) > 1:
            where = ", ".join(dl.where for dl in hits)
            raise OpsError(f"offset {spec} is ambiguous in {dead.topic.name} ({where}); use PARTITION:OFFSET")
        chosen[(hits[0].record.partition, offset)] = hits[0]
    for event_id in sel.event_ids:
        hits = [dl for dl in dead.letters if dl.ce_id == event_id]
        if not hits:
            raise OpsError(f"no dead-lettered message with ce_id {event_id} in {dead.topic.name}")
        chosen.update({(dl.record.partition, dl.record.offset): dl for dl in hits})
    return [chosen[k] for k in sorted(chosen)]


def target_of(dl: DeadLetter, dead: DeadLetters, cfg: OpsConfig) -> Target:
    original = dl.info("original-topic")
    if not original:
        raise OpsError(f"{dead.topic.name} {dl.where} has no x-orderhub-dlq-original-topic header")
    name = cfg.physical(original) if original in known_logical_names() else original
    topic = dead.topics.get(name)
    if topic is None:
        raise OpsError(f"{dead.topic.name} {dl.where}: original topic {name!r} does not exist; not creating it")
    partition = dl.info_int("original-partition")
    if partition is not None and not 0 <= partition < topic.partitions:
        partition = None
    return Target(dl, name, partition)


async def earlier_redrives(cfg: OpsConfig, targets: list[Target]) -> dict[tuple[str, int, str], list[Record]]:
    """Copies already redriven: by (topic, partition, ce_id), records after the original offsets."""
    first: dict[TopicPartition, int] = {}
    wanted: set[str] = set()
    for t in targets:
        offset = t.letter.info_int("original-offset")
        if t.partition is None or offset is None or not t.letter.ce_id:
            continue
        tp = TopicPartition(t.topic, t.partition)
        first[tp] = min(first.get(tp, offset + 1), offset + 1)
        wanted.add(t.letter.ce_id)
    if not first:
        return {}

    def keep(rec: Record) -> bool:
        h = formatting.header_map(rec)
        return REDRIVEN_AT in h and h.get("ce_id", "") in wanted

    async with reader(cfg) as consumer:
        hws = await high_watermarks(consumer, cfg, first)
        got = await read_ranges(consumer, cfg, {tp: OffsetRange(first[tp], hws[tp]) for tp in first}, keep)
    out: dict[tuple[str, int, str], list[Record]] = {}
    for tp, recs in got.items():
        for rec in recs:
            out.setdefault((tp.topic, tp.partition, formatting.header_map(rec)["ce_id"]), []).append(rec)
    return out


def _warn_if_redriven(t: Target, copies: dict[tuple[str, int, str], list[Record]], dry_run: bool) -> None:
    dl = t.letter
    offset = dl.info_int("original-offset")
    earlier = [
        rec
        for rec in copies.get((t.topic, t.partition if t.partition is not None else -1, dl.ce_id), [])
        if offset is not None and rec.offset > offset
    ]
    again = "it would be redriven again" if dry_run else "redriving it again"
    for rec in earlier:
        at = formatting.header_map(rec).get(REDRIVEN_AT, "?")
        print(
            f"warning: {dl.record.topic} {dl.where} (ce_id {dl.ce_id}) was already redriven "
            f"to {rec.topic}[{rec.partition}]@{rec.offset} at {at}; {again}",
            file=sys.stderr,
        )


def redriven_headers(dl: DeadLetter, now: str) -> list[tuple[str, bytes]]:
    kept = [(k, v) for k, v in dl.original_headers if k != REDRIVEN_AT]
    return [*kept, (REDRIVEN_AT, now.encode())]


def _describe(t: Target) -> str:
    dl = t.letter
    return (
        f"{dl.record.topic} {dl.where} ce_id={dl.ce_id or '-'} ce_type={dl.header('ce_type') or '-'} "
        f"key={dl.key or '-'}"
    )


async def run_redrive(cfg: OpsConfig, *, service: str, selection: Selection, dry_run: bool) -> int:
    dead = await load(cfg, service)
    chosen = select(dead, selection)
    if not chosen:
        print(f"{dead.topic.name}: nothing to redrive")
        return 0
    targets = [target_of(dl, dead, cfg) for dl in chosen]
    # Republish in the original order so one order's events keep their sequence.
    targets.sort(key=lambda t: (t.topic, t.partition or 0, t.letter.info_int("original-offset") or 0))
    copies = await earlier_redrives(cfg, targets)
    for t in targets:
        _warn_if_redriven(t, copies, dry_run)
    if dry_run:
        for t in targets:
            where = f"[{t.partition}]" if t.partition is not None else ""
            print(f"would redrive {_describe(t)} -> {t.topic}{where}")
        print(f"dry run: {len(targets)} message(s) would be redriven")
        return 0
    now = datetime.now(UTC).isoformat()
    async with producer(cfg) as prod:
        for t in targets:
            meta = await prod.send_and_wait(
                t.topic,
                value=t.letter.record.value,
                key=t.letter.record.key,
                partition=t.partition,
                headers=redriven_headers(t.letter, now),
            )
            print(f"redriven {_describe(t)} -> {meta.topic}[{meta.partition}]@{meta.offset}", flush=True)
    print(f"redriven {len(targets)} message(s) from {dead.topic.name}")
    return 0

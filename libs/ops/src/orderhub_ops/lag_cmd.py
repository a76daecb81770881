"""`orderhub topics lag`: committed offsets of the OrderHub consumer groups against high watermarks.

Committed offsets are always fetched with an explicit partition list: the embedded broker's answer
to an all-partitions OffsetFetch does not decode (aiokafka drops the connection)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from orderhub_contracts.topics import SERVICES, SUBSCRIPTIONS, consumer_group

from orderhub_ops import formatting
from orderhub_ops.kafka_io import OpsConfig, TopicInfo, admin_client, existing_topics, reader
from orderhub_ops.reader import beginning_offsets, high_watermarks

NO_COMMIT = "no commit yet"


@dataclass(frozen=True, slots=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing for this partition
    high_water: int
    lag: int  # for "no commit yet": what the group would read from the start (earliest reset)


@dataclass(slots=True)
class GroupLag:
    group: str
    service: str | None
    partitions: list[PartitionLag] = field(default_factory=list)
    missing_topics: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(max(p.lag, 0) for p in self.partitions)


@dataclass(frozen=True, slots=True)
class GroupSpec:
    group: str
    service: str | None
    topics: list[str]  # physical names; empty list + service None: "every topic, committed only"


def group_specs(cfg: OpsConfig, group: str | None) -> list[GroupSpec]:
    def for_service(s: str) -> GroupSpec:
        return GroupSpec(consumer_group(s, cfg.topic_prefix), s, [cfg.physical(t.value) for t in SUBSCRIPTIONS[s]])

    if group is None:
        return [for_service(s) for s in SERVICES]
    for s in SERVICES:
        if group in (s, consumer_group(s), consumer_group(s, cfg.topic_prefix)):
            return [for_service(s)]
    return [GroupSpec(group, None, [])]


async def _committed(
    admin: AIOKafkaAdminClient, group: str, tps: list[TopicPartition]
) -> dict[TopicPartition, int | None]:
    if not tps:  # an empty list would mean "all partitions", which the embedded broker cannot answer
        return {}
    got = await admin.list_consumer_group_offsets(group, partitions=tps)
    out: dict[TopicPartition, int | None] = {}
    for tp in tps:
        meta = got.get(tp)
        offset = int(meta.offset) if meta is not None else -1
        out[tp] = offset if offset >= 0 else None
    return out


async def collect(cfg: OpsConfig, group: str | None) -> list[GroupLag]:
    specs = group_specs(cfg, group)
    async with admin_client(cfg) as admin:
        topics = await existing_topics(admin)
        plans: list[tuple[GroupSpec, list[TopicPartition], list[str]]] = []
        for spec in specs:
            wanted = spec.topics or [n for n, t in topics.items() if not t.internal]
            present: list[TopicInfo] = [topics[n] for n in wanted if n in topics]
            tps = [TopicPartition(t.name, p) for t in present for p in range(t.partitions)]
            plans.append((spec, tps, [n for n in wanted if n not in topics]))
        committed = {spec.group: await _committed(admin, spec.group, tps) for spec, tps, _ in plans}
    all_tps = {tp for _, tps, _ in plans for tp in tps}
    async with reader(cfg) as consumer:
        hws = await high_watermarks(consumer, cfg, all_tps)
        starts = await beginning_offsets(consumer, all_tps)
    result = []
    for spec, tps, missing in plans:
        lag = GroupLag(spec.group, spec.service, missing_topics=missing)
        for tp in tps:
            offset = committed[spec.group].get(tp)
            if offset is None and spec.service is None:
                continue  # a foreign group: show only what it has committed
            hw = hws.get(tp, 0)
            behind = hw - offset if offset is not None else hw - min(starts.get(tp, 0), hw)
            lag.partitions.append(PartitionLag(tp.topic, tp.partition, offset, hw, behind))
        result.append(lag)
    return result


def _note(p: PartitionLag) -> str:
    if p.lag < 0:
        return "committed beyond high watermark (broker restarted?)"
    return ""


def render(groups: list[GroupLag]) -> str:
    blocks = []
    for g in groups:
        title = f"GROUP {g.group}" + (f" (service {g.service})" if g.service else "")
        lines = [title]
        if g.partitions:
            rows = [
                (p.topic, p.partition, NO_COMMIT if p.committed is None else p.committed, p.high_water, p.lag, _note(p))
                for p in g.partitions
            ]
            header = ("TOPIC", "PARTITION", "COMMITTED", "HIGH-WATER", "LAG", "NOTE")
            body = formatting.table(header, rows, right=(1, 3, 4))
            lines += ["  " + line for line in body.splitlines()]
        elif g.service is None:
            lines.append("  no committed offsets on any topic")
        for name in g.missing_topics:
            lines.append(f"  topic {name} does not exist")
        lines.append(f"  total lag: {g.total}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def as_json(g: GroupLag) -> dict[str, object]:
    return {
        "group": g.group,
        "service": g.service,
        "total_lag": g.total,
        "missing_topics": g.missing_topics,
        "partitions": [
            {
                "topic": p.topic,
                "partition": p.partition,
                "committed": p.committed,
                "high_water": p.high_water,
                "lag": p.lag,
            }
            for p in g.partitions
        ],
    }


async def run_lag(cfg: OpsConfig, *, group: str | None, json_out: bool) -> int:
    groups = await collect(cfg, group)
    if json_out:
        for g in groups:
            print(formatting.dumps(as_json(g)))
    else:
        print(render(groups))
    return 0

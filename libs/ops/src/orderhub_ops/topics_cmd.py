"""`orderhub topics list`: every topic with its partition count and message count."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.structs import TopicPartition

from orderhub_ops import formatting
from orderhub_ops.kafka_io import OpsConfig, TopicInfo, admin_client, existing_topics, known_logical_names, reader
from orderhub_ops.reader import high_watermarks


@dataclass(frozen=True, slots=True)
class TopicRow:
    name: str
    partitions: int
    messages: int  # sum of the partitions' high watermarks
    orderhub: bool


async def collect(cfg: OpsConfig, *, include_internal: bool = False) -> tuple[list[TopicRow], list[str]]:
    """Rows for the existing topics, and the OrderHub topics that do not exist (yet)."""
    async with admin_client(cfg) as admin:
        topics = await existing_topics(admin)
    shown: dict[str, TopicInfo] = {n: t for n, t in topics.items() if include_internal or not t.internal}
    tps = [TopicPartition(t.name, p) for t in shown.values() for p in range(t.partitions)]
    async with reader(cfg) as consumer:
        hws = await high_watermarks(consumer, cfg, tps)
    ours = {cfg.physical(n) for n in known_logical_names()}
    rows = [
        TopicRow(
            name=t.name,
            partitions=t.partitions,
            messages=sum(hws.get(TopicPartition(t.name, p), 0) for p in range(t.partitions)),
            orderhub=t.name in ours,
        )
        for t in shown.values()
    ]
    missing = [cfg.physical(n) for n in known_logical_names() if cfg.physical(n) not in topics]
    return rows, missing


async def run_list(cfg: OpsConfig, *, as_json: bool, include_internal: bool) -> int:
    rows, missing = await collect(cfg, include_internal=include_internal)
    if as_json:
        for row in rows:
            print(
                formatting.dumps(
                    {
                        "topic": row.name,
                        "partitions": row.partitions,
                        "messages": row.messages,
                        "orderhub": row.orderhub,
                    }
                )
            )
        return 0
    if rows:
        print(
            formatting.table(
                ("TOPIC", "PARTITIONS", "MESSAGES"),
                [(r.name, r.partitions, r.messages) for r in rows],
                right=(1, 2),
            )
        )
    else:
        print(f"no topics on {cfg.bootstrap}")
    if missing:
        print(f"\nOrderHub topics not created yet: {', '.join(missing)}")
    return 0

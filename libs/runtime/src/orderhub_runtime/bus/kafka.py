"""Kafka clients built the one way that works on both the embedded broker and real Kafka:
acks=all, no idempotent producer, manual commits, topics created explicitly up front."""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError, for_code
from orderhub_contracts.topics import all_topic_names, resolve_topic

from orderhub_runtime.logging import get_logger
from orderhub_runtime.settings import RuntimeSettings

log = get_logger(__name__)


def make_producer(settings: RuntimeSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,  # unsupported by the embedded broker; the inbox dedupes instead
        linger_ms=settings.kafka_linger_ms,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        max_batch_size=256 * 1024,
    )


def make_consumer(settings: RuntimeSettings, *, group_id: str, topics: list[str], client_id: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, settings.kafka_session_timeout_ms + 5000),
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        max_poll_interval_ms=300_000,
    )


def make_admin(settings: RuntimeSettings, client_id: str) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        request_timeout_ms=10_000,
    )


async def wait_for_admin(settings: RuntimeSettings, client_id: str, *, timeout_s: float = 60.0) -> AIOKafkaAdminClient:
    """Connect an admin client, retrying while the broker comes up."""
    deadline = time.monotonic() + timeout_s
    while True:
        admin = make_admin(settings, client_id)
        try:
            await admin.start()
            return admin
        except (KafkaConnectionError, KafkaError, OSError) as exc:
            await admin.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kafka at {settings.kafka_bootstrap_servers} is unreachable: {exc}") from exc
            log.warning("bus.broker_unreachable", bootstrap=settings.kafka_bootstrap_servers, error=str(exc))
            await asyncio.sleep(1.0)


async def ensure_topics(admin: AIOKafkaAdminClient, settings: RuntimeSettings) -> list[str]:
    """Create every OrderHub topic that is missing; returns the physical names."""
    wanted = [resolve_topic(name, settings.topic_prefix) for name in all_topic_names()]
    existing = set(await admin.list_topics())
    missing = [name for name in wanted if name not in existing]
    if missing:
        configs = topic_configs(settings)
        rf = settings.topic_replication_factor
        new = [NewTopic(name, settings.topic_partitions, rf, topic_configs=configs) for name in missing]
        with contextlib.suppress(TopicAlreadyExistsError):  # another service created them first
            response = await admin.create_topics(new)
            _raise_topic_errors(response)
        log.info(
            "bus.topics_created",
            topics=missing,
            partitions=settings.topic_partitions,
            replication_factor=settings.topic_replication_factor,
            configs=configs,
        )
    return wanted


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic, e.g. a replication factor above the live brokers."""


def _raise_topic_errors(response: object) -> None:
    """The admin client returns per-topic errors instead of raising them; a real cluster refuses
    e.g. replication factor 3 while fewer than 3 brokers are up. Already existing is fine (another
    instance created it). Raising makes the caller retry later instead of running without topics."""
    to_object = getattr(response, "to_object", None)
    if to_object is None:
        return
    body = to_object()
    failures = [
        f"{error['topic']}: {for_code(error['error_code']).__name__} {error.get('error_message') or ''}".rstrip()
        for error in body.get("topic_errors", body.get("topics", []))
        if error["error_code"] not in (0, TopicAlreadyExistsError.errno)
    ]
    if failures:
        raise TopicCreationError("creating topics failed: " + "; ".join(failures))


def topic_configs(settings: RuntimeSettings) -> dict[str, str]:
    """Per-topic configuration of the topics a service creates: only what is set, so that the
    embedded broker (which takes the defaults) and a real cluster are given the same request."""
    configs: dict[str, str] = {}
    if settings.topic_min_insync_replicas is not None:
        if settings.topic_min_insync_replicas > settings.topic_replication_factor:
            raise ValueError(
                f"ORDERHUB_TOPIC_MIN_INSYNC_REPLICAS={settings.topic_min_insync_replicas} exceeds "
                f"ORDERHUB_TOPIC_REPLICATION_FACTOR={settings.topic_replication_factor}: "
                "no acks=all write could succeed"
            )
        configs["min.insync.replicas"] = str(settings.topic_min_insync_replicas)
    return configs


async def broker_cluster_id(admin: AIOKafkaAdminClient) -> str:
    described = await admin.describe_cluster()
    return str(described.get("cluster_id") or "")

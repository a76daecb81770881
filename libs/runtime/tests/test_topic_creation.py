"""The topics a service creates carry the configured partitions, replication factor and
`min.insync.replicas` (a real cluster's durability), and nothing else unless asked."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.protocol.admin import CreateTopicsResponse_v3
from orderhub_contracts.topics import all_topic_names, resolve_topic
from orderhub_runtime.bus.kafka import TopicCreationError, ensure_topics, topic_configs
from orderhub_runtime.settings import RuntimeSettings


class RecordingAdmin:
    """Stands in for the admin client's two calls; what the broker does with them is tested elsewhere.
    `refuse` maps topic -> (error code, message) the broker answers for it."""

    def __init__(self, existing: set[str], refuse: dict[str, tuple[int, str]] | None = None) -> None:
        self.existing = existing
        self.refuse = refuse or {}
        self.created: list[Any] = []

    async def list_topics(self) -> list[str]:
        return sorted(self.existing)

    async def create_topics(self, new: list[Any]) -> CreateTopicsResponse_v3:
        self.created.extend(new)
        errors = [(t.name, *self.refuse.get(t.name, (0, None))) for t in new]
        return CreateTopicsResponse_v3(throttle_time_ms=0, topic_errors=errors)


async def test_a_cluster_gets_replication_factor_and_min_insync_replicas() -> None:
    settings = RuntimeSettings(topic_partitions=12, topic_replication_factor=3, topic_min_insync_replicas=2)
    admin = RecordingAdmin(existing={resolve_topic("orders.v1", "")})
    wanted = await ensure_topics(admin, settings)  # type: ignore[arg-type]
    assert set(wanted) == {resolve_topic(name, "") for name in all_topic_names()}
    created = {topic.name: topic for topic in admin.created}
    assert set(created) == set(wanted) - {"orders.v1"}
    for topic in created.values():
        assert (topic.num_partitions, topic.replication_factor) == (12, 3)
        assert topic.topic_configs == {"min.insync.replicas": "2"}


async def test_unset_min_insync_replicas_sends_no_topic_config() -> None:
    admin = RecordingAdmin(existing=set())
    await ensure_topics(admin, RuntimeSettings())  # type: ignore[arg-type]
    assert admin.created
    assert all(topic.topic_configs == {} and topic.replication_factor == 1 for topic in admin.created)


def test_min_insync_replicas_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERHUB_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("ORDERHUB_TOPIC_MIN_INSYNC_REPLICAS", "2")
    assert topic_configs(RuntimeSettings()) == {"min.insync.replicas": "2"}


def test_min_insync_replicas_above_the_replication_factor_is_refused() -> None:
    with pytest.raises(ValueError, match="ORDERHUB_TOPIC_MIN_INSYNC_REPLICAS=2 exceeds"):
        topic_configs(RuntimeSettings(topic_replication_factor=1, topic_min_insync_replicas=2))


async def test_a_refused_topic_is_an_error_not_a_log_line() -> None:
    """A cluster with fewer live brokers than the replication factor refuses the topic: the broker
    watch then retries on its next check instead of connecting the bus without topics."""
    settings = RuntimeSettings(topic_replication_factor=3)
    refused = {"anomalies.v1": (38, "Replication factor: 3 larger than available brokers: 2.")}
    with pytest.raises(TopicCreationError, match=r"anomalies.v1: InvalidReplicationFactorError Replication factor"):
        await ensure_topics(RecordingAdmin(existing=set(), refuse=refused), settings)  # type: ignore[arg-type]


async def test_a_topic_another_instance_created_meanwhile_is_fine() -> None:
    admin = RecordingAdmin(existing=set(), refuse={"orders.v1": (36, "Topic 'orders.v1' already exists.")})
    assert "orders.v1" in await ensure_topics(admin, RuntimeSettings())  # type: ignore[arg-type]

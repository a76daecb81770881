"""The local stack as one unit: PostgreSQL and the broker (embedded unless external URLs are
given), the database with its per-service schemas and roles, and the topics."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

from orderhub_contracts.topics import SERVICES

from orderhub_devstack.bootstrap import (
    bootstrap_database,
    ensure_topics,
    fetch_cluster_id,
    service_passwords,
    topic_names,
)
from orderhub_devstack.broker import EmbeddedBroker
from orderhub_devstack.postgres import EmbeddedPostgres

DEFAULT_STATE_DIR = Path("/var/tmp/orderhub")


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


@dataclass(frozen=True)
class StackConfig:
    state_dir: Path = DEFAULT_STATE_DIR
    pg_port: int = 55432
    broker_port: int = 9092
    db_name: str = "orderhub"
    topic_prefix: str = ""
    topic_partitions: int = 6
    # External servers: when set, the corresponding embedded server is not started.
    database_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    services: tuple[str, ...] = SERVICES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackConfig:
        e = os.environ if env is None else env
        return cls(
            state_dir=Path(e.get("ORDERHUB_STATE_DIR") or DEFAULT_STATE_DIR),
            pg_port=env_int(e, "ORDERHUB_PG_PORT", cls.pg_port),
            broker_port=env_int(e, "ORDERHUB_BROKER_PORT", cls.broker_port),
            db_name=e.get("ORDERHUB_DB_NAME") or cls.db_name,
            topic_prefix=e.get("ORDERHUB_TOPIC_PREFIX", cls.topic_prefix),
            topic_partitions=env_int(e, "ORDERHUB_TOPIC_PARTITIONS", cls.topic_partitions),
            database_url=e.get("ORDERHUB_DATABASE_URL") or None,
            kafka_bootstrap_servers=e.get("ORDERHUB_KAFKA_BOOTSTRAP_SERVERS") or None,
        )


@dataclass(frozen=True)
class StackInfo:
    """What clients of the stack need: per-service SQLAlchemy URLs, the broker, the topic prefix."""

    service_database_urls: dict[str, str]
    kafka_bootstrap_servers: str
    admin_url: str
    topic_prefix: str
    broker_cluster_id: str
    database: str = ""
    topics: tuple[str, ...] = field(default=())


class LocalStack:
    def __init__(self, config: StackConfig, passwords: Mapping[str, str] | None = None) -> None:
        self.config = config
        self._passwords = dict(passwords) if passwords is not None else service_passwords(config.services)
        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        if config.database_url is None:
            self.postgres = EmbeddedPostgres(config.state_dir / "postgres", config.pg_port, secrets.token_urlsafe(18))
        if config.kafka_bootstrap_servers is None:
            self.broker = EmbeddedBroker(config.broker_port, log_path=config.state_dir / "broker.log")
        self._info: StackInfo | None = None

    @property
    def info(self) -> StackInfo:
        if self._info is None:
            raise RuntimeError("the stack is not up")
        return self._info

    async def up(self) -> StackInfo:
        """Start what is embedded, then provision. On failure, stops whatever it started."""
        try:
            if self.postgres is not None:
                await self.postgres.start()
            if self.broker is not None:
                self.broker.start()  # ~20 ms; on the loop's (main) thread, see EmbeddedBroker
            admin_url = self.config.database_url or self._postgres().admin_url
            urls, cluster_id = await asyncio.gather(
                bootstrap_database(admin_url, self.config.db_name, self.config.services, self._passwords),
                self._provision_topics(),
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await self.down()
            raise
        self._info = StackInfo(
            service_database_urls=urls,
            kafka_bootstrap_servers=self._bootstrap_servers(),
            admin_url=admin_url,
            topic_prefix=self.config.topic_prefix,
            broker_cluster_id=cluster_id,
            database=self.config.db_name,
            topics=tuple(topic_names(self.config.topic_prefix)),
        )
        return self._info

    async def down(self) -> None:
        """Broker first, then PostgreSQL; only what is embedded."""
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            await self.postgres.stop()

    def broker_alive(self) -> bool:
        return self.broker is None or self.broker.is_alive()

    async def restart_broker(self) -> StackInfo:
        """Restart the embedded broker (an empty cluster with a new id) and re-create the topics
        before clients reconnect (the broker would auto-create them with the wrong partition
        count). Services notice the new cluster id and replay their outbox into it."""
        broker = self._broker()
        broker.stop()
        broker.start()
        cluster_id = await self._provision_topics()
        self._info = replace(self.info, broker_cluster_id=cluster_id)
        return self._info

    async def _provision_topics(self) -> str:
        servers = self._bootstrap_servers()
        names = topic_names(self.config.topic_prefix)
        await ensure_topics(servers, names, self.config.topic_partitions)
        if self.broker is not None:
            return self.broker.cluster_id
        return await fetch_cluster_id(servers)

    def _bootstrap_servers(self) -> str:
        return self.config.kafka_bootstrap_servers or self._broker().bootstrap_servers

    def _postgres(self) -> EmbeddedPostgres:
        if self.postgres is None:
            raise RuntimeError("PostgreSQL is external")
        return self.postgres

    def _broker(self) -> EmbeddedBroker:
        if self.broker is None:
            raise RuntimeError("the broker is external")
        return self.broker

    async def __aenter__(self) -> StackInfo:
        return await self.up()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.down()

"""The session stack from the pytest plugin: roles, schemas, isolation, topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from orderhub_contracts.topics import SERVICES, all_topic_names
from orderhub_devstack.bootstrap import (
    asyncpg_dsn,
    bootstrap_database,
    drop_database,
    fetch_cluster_id,
    service_passwords,
)
from orderhub_devstack.stack import StackConfig, StackInfo


@asynccontextmanager
async def connect(url: str, password: str | None = None) -> AsyncIterator[asyncpg.Connection]:
    dsn = asyncpg_dsn(url)
    if password is not None:
        parts = urlsplit(dsn)
        netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
        dsn = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


async def test_every_service_gets_its_own_role_and_schema(orderhub_stack: StackInfo) -> None:
    assert set(orderhub_stack.service_database_urls) == set(SERVICES)
    for service, url in orderhub_stack.service_database_urls.items():
        assert url.startswith("postgresql+asyncpg://")
        async with connect(url) as conn:
            user, schema = await conn.fetchrow("SELECT current_user, current_schema()")
            assert (user, schema) == (f"orderhub_{service}", service)
            # Creating in its own schema works; dropped again so other tests see the schema as migrated.
            await conn.execute("CREATE TABLE own_table_probe (id int)")
            await conn.execute("DROP TABLE own_table_probe")


async def test_a_service_cannot_touch_another_schema_or_public(orderhub_stack: StackInfo) -> None:
    urls = orderhub_stack.service_database_urls
    async with connect(urls["rules"]) as rules:
        await rules.execute("CREATE TABLE IF NOT EXISTS secrets_probe (id int)")
    async with connect(asyncpg_dsn(orderhub_stack.admin_url, orderhub_stack.database)) as admin:
        await admin.execute("CREATE TABLE IF NOT EXISTS public.shared (id int)")
    try:
        async with connect(urls["ingest"]) as ingest:
            for sql in (
                "SELECT * FROM rules.secrets_probe",
                "INSERT INTO rules.secrets_probe VALUES (1)",
                "CREATE TABLE rules.sneaky (id int)",
                "CREATE TABLE public.sneaky (id int)",
                "SELECT * FROM public.shared",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await ingest.execute(sql)
    finally:  # other tests compare the rules schema with its migrations
        async with connect(urls["rules"]) as rules:
            await rules.execute("DROP TABLE secrets_probe")


async def test_a_wrong_password_is_refused(orderhub_stack: StackInfo) -> None:
    with pytest.raises(asyncpg.InvalidPasswordError):
        async with connect(orderhub_stack.service_database_urls["notify"], password="not-the-password"):
            pass


async def test_all_topics_exist_with_the_configured_partitions(orderhub_stack: StackInfo) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=orderhub_stack.kafka_bootstrap_servers)
    await admin.start()
    try:
        expected = [orderhub_stack.topic_prefix + name for name in all_topic_names()]
        assert set(expected) <= set(await admin.list_topics())
        described = await admin.describe_topics(expected)
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == dict.fromkeys(
        expected, StackConfig.topic_partitions
    )


async def test_the_reported_cluster_id_is_the_brokers(orderhub_stack: StackInfo, kafka_bootstrap: str) -> None:
    assert kafka_bootstrap == orderhub_stack.kafka_bootstrap_servers
    assert await fetch_cluster_id(kafka_bootstrap) == orderhub_stack.broker_cluster_id


async def test_bootstrap_is_idempotent_and_reuses_roles_in_another_database(orderhub_stack: StackInfo) -> None:
    passwords = service_passwords(SERVICES)
    database = f"{orderhub_stack.database}_second"
    try:
        first = await bootstrap_database(orderhub_stack.admin_url, database, SERVICES, passwords)
        again = await bootstrap_database(orderhub_stack.admin_url, database, SERVICES, passwords)
        assert first == again
        async with connect(first["fulfillment"]) as conn:
            assert await conn.fetchval("SELECT current_database()") == database
            assert await conn.fetchval("SELECT current_schema()") == "fulfillment"
    finally:
        await drop_database(orderhub_stack.admin_url, database)


def test_service_passwords_default_and_env_override() -> None:
    env = {"RULES_DB_PASSWORD": "from-env"}
    assert service_passwords(["ingest", "rules"], env) == {"ingest": "orderhub-ingest-local", "rules": "from-env"}


def test_stack_config_from_env() -> None:
    config = StackConfig.from_env(
        {"ORDERHUB_PG_PORT": "6000", "ORDERHUB_TOPIC_PREFIX": "dev.", "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS": "k:9092"}
    )
    assert (config.pg_port, config.broker_port, config.topic_prefix) == (6000, 9092, "dev.")
    assert (config.kafka_bootstrap_servers, config.database_url, config.db_name) == ("k:9092", None, "orderhub")
    with pytest.raises(ValueError, match="ORDERHUB_BROKER_PORT"):
        StackConfig.from_env({"ORDERHUB_BROKER_PORT": "ninety"})

"""Idempotent provisioning: one database with a schema and a login role per service, and the
Kafka topics. Safe to rerun on every start, against embedded or external servers."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from orderhub_contracts.topics import all_topic_names, resolve_topic

log = logging.getLogger(__name__)

# Serialises concurrent bootstraps (parallel test sessions): concurrent GRANT/ALTER ROLE on the
# same role fail with "tuple concurrently updated".
_LOCK_KEY = 0x0DE5_7AC4


class TopicSetupError(RuntimeError):
    pass


def role_name(service: str) -> str:
    return f"orderhub_{service}"


def service_passwords(services: Sequence[str], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Local defaults `orderhub-<service>-local`, each overridable by `<SERVICE>_DB_PASSWORD`."""
    source = os.environ if env is None else env
    return {s: source.get(f"{s.upper()}_DB_PASSWORD") or f"orderhub-{s}-local" for s in services}


def topic_names(prefix: str = "") -> list[str]:
    return [resolve_topic(name, prefix) for name in all_topic_names()]


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    """`url` as asyncpg wants it: no SQLAlchemy driver suffix, optionally another database."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    path = parts.path if database is None else "/" + quote(database, safe="")
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def service_database_url(admin_url: str, database: str, service: str, password: str) -> str:
    """SQLAlchemy URL for a service's role, on the admin URL's server."""
    parts = urlsplit(admin_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or 5432
    netloc = f"{quote(role_name(service), safe='')}:{quote(password, safe='')}@{host}:{port}"
    return urlunsplit(("postgresql+asyncpg", netloc, "/" + quote(database, safe=""), parts.query, ""))


async def _execute(conn: asyncpg.Connection, template: str, *args: str) -> None:
    # Utility statements take no bind parameters; let the server quote (%I identifiers, %L literals).
    sql: str = await conn.fetchval("SELECT format($1, VARIADIC $2::text[])", template, list(args))
    await conn.execute(sql)


async def bootstrap_database(
    admin_url: str, database: str, services: Sequence[str], passwords: Mapping[str, str]
) -> dict[str, str]:
    """Create `database` if missing, lock it down, and give each service a role and own schema.
    Returns each service's SQLAlchemy URL. Roles are cluster-wide, so they may already exist
    (another database on the same server); their passwords are then reset to `passwords`."""
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await _execute(admin, "CREATE DATABASE %I", database)
        await _execute(admin, "REVOKE ALL ON DATABASE %I FROM PUBLIC", database)
        for service in services:
            role = role_name(service)
            verb = "ALTER" if await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role) else "CREATE"
            await _execute(admin, f"{verb} ROLE %I LOGIN PASSWORD %L", role, passwords[service])
            await _execute(admin, "GRANT CONNECT ON DATABASE %I TO %I", database, role)
            await _execute(admin, "ALTER ROLE %I IN DATABASE %I SET search_path = %I", role, database, service)
        db = await asyncpg.connect(asyncpg_dsn(admin_url, database))
        try:
            await db.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            for service in services:
                role = role_name(service)
                await _execute(db, "CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I", service, role)
                await _execute(db, "ALTER SCHEMA %I OWNER TO %I", service, role)
        finally:
            await db.close()
    finally:
        await admin.close()  # also releases the advisory lock
    return {s: service_database_url(admin_url, database, s, passwords[s]) for s in services}


async def drop_database(admin_url: str, database: str) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await _execute(admin, "DROP DATABASE IF EXISTS %I WITH (FORCE)", database)
    finally:
        await admin.close()


@asynccontextmanager
async def _kafka_admin(bootstrap_servers: str, timeout_s: float) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    async with asyncio.timeout(timeout_s):
        try:
            await admin.start()
            yield admin
        finally:
            await admin.close()


async def ensure_topics(
    bootstrap_servers: str,
    names: Sequence[str],
    partitions: int,
    replication_factor: int = 1,
    timeout_s: float = 30.0,
) -> None:
    """Create the missing topics, then check they all exist. Must run before any client touches
    them: the embedded broker auto-creates unknown topics with its own partition count."""
    async with _kafka_admin(bootstrap_servers, timeout_s) as admin:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            new = [NewTopic(n, partitions, replication_factor) for n in missing]
            response = (await admin.create_topics(new)).to_object()
            for error in response.get("topic_errors", response.get("topics", [])):
                code = error["error_code"]
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise TopicSetupError(
                        f"creating topic {error['topic']!r} failed: {for_code(code).__name__} "
                        f"{error.get('error_message') or ''}".rstrip()
                    )
        # list_topics, unlike a Metadata request naming topics, never auto-creates them.
        absent = set(names) - set(await admin.list_topics())
        if absent:
            raise TopicSetupError(f"topics missing after creation: {', '.join(sorted(absent))}")
        for topic in await admin.describe_topics(list(names)):
            count = len(topic["partitions"])
            if count != partitions:
                log.warning("topic %s has %d partitions, expected %d", topic["topic"], count, partitions)


async def delete_topics(bootstrap_servers: str, names: Sequence[str], timeout_s: float = 30.0) -> None:
    async with _kafka_admin(bootstrap_servers, timeout_s) as admin:
        existing = set(await admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            await admin.delete_topics(doomed)


async def fetch_cluster_id(bootstrap_servers: str, timeout_s: float = 30.0) -> str:
    async with _kafka_admin(bootstrap_servers, timeout_s) as admin:
        cluster = await admin.describe_cluster()
    return str(cluster.get("cluster_id") or "")

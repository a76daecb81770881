"""Runtime tests run against the real embedded Postgres and broker, in a throwaway schema and
under a private topic prefix so they never meet the services' own tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.bus.kafka import ensure_topics, wait_for_admin
from orderhub_runtime.db import make_engine
from orderhub_runtime.schema import add_messaging_tables, outbox_channel, service_metadata
from orderhub_runtime.settings import RuntimeSettings
from runtime_support import RuntimeEnv
from sqlalchemy import Column, Integer, Table, Text, text


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def runtime_env(orderhub_stack: StackInfo) -> AsyncIterator[RuntimeEnv]:
    schema = f"rt_{uuid.uuid4().hex[:8]}"
    url = orderhub_stack.admin_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    database = orderhub_stack.service_database_urls["ingest"].rsplit("/", 1)[1]
    url = url.rsplit("/", 1)[0] + "/" + database
    metadata = service_metadata(schema)
    tables = add_messaging_tables(metadata)
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", Text),
        Column("order_id", Text),
        Column("seq", Integer),
    )
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            text(
                f"CREATE FUNCTION {schema}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_notify('{outbox_channel(schema)}', ''); RETURN NULL; END $$"
            )
        )
        await conn.execute(
            text(
                f"CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_outbox()"
            )
        )
    settings = RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
        topic_prefix=f"{orderhub_stack.topic_prefix}rt{uuid.uuid4().hex[:6]}.",
        outbox_poll_interval_s=30.0,  # only a wake-up can make the relay publish promptly
        consumer_max_attempts=2,
        consumer_retry_backoff_ms=10,
    )
    admin = await wait_for_admin(settings, "runtime-tests")
    try:
        await ensure_topics(admin, settings)
    finally:
        await admin.close()
    yield RuntimeEnv(engine=engine, url=url, schema=schema, tables=tables, effects=effects, settings=settings)
    await engine.dispose()

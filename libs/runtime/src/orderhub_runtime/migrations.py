"""One Alembic history per service, its version table in its own schema. A service keeps its
migrations in `<package>/migrations` with an env.py that calls `run_env`."""

from __future__ import annotations

import asyncio
import os

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from orderhub_runtime.schema import add_messaging_tables, outbox_channel, service_metadata


def alembic_config(package: str, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade_head(package: str, database_url: str) -> None:
    """Blocking; from async code use `await asyncio.to_thread(upgrade_head, ...)`."""
    command.upgrade(alembic_config(package, database_url), "head")


def run_env(target_metadata: MetaData, schema: str) -> None:
    """Body of every service's migrations/env.py (online mode only)."""
    url = context.config.attributes.get("database_url") or os.environ.get(f"{schema.upper()}_DATABASE_URL", "")
    if not url:
        raise RuntimeError(f"no database URL: set {schema.upper()}_DATABASE_URL")

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


def create_messaging_tables(schema: str) -> None:
    """For a service's first migration: outbox, inbox, bus state, and the relay wake-up trigger."""
    tables = add_messaging_tables(service_metadata(schema))
    bind = op.get_bind()
    for table in (tables.outbox, tables.inbox, tables.bus_state):
        table.create(bind)
    channel = outbox_channel(schema)
    op.execute(
        f"CREATE FUNCTION {schema}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_outbox()"
    )

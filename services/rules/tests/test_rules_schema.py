"""tables.py and the hand-written migrations describe the same rules schema."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from orderhub_devstack.stack import StackInfo
from rules.tables import SCHEMA, metadata
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _ours(name: str | None, type_: str, _: Any) -> bool:
    if type_ == "schema":
        return name == SCHEMA
    return not (type_ == "table" and name == "alembic_version")


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"include_schemas": True, "include_name": _ours})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_tables(orderhub_stack: StackInfo, rules_db: AsyncEngine) -> None:
    # rules_db has run the migrations; compare from a connection whose default schema is not rules.
    engine = create_async_engine(
        orderhub_stack.service_database_urls["rules"], connect_args={"server_settings": {"search_path": "public"}}
    )
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()

"""The hand-written migration and tables.py describe the same schema; the app serves its docs."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fulfillment.tables import SCHEMA, metadata
from sqlalchemy.engine import Connection

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn,
        opts={
            "include_schemas": True,
            "include_name": lambda name, kind, _: kind != "schema" or name in (None, SCHEMA),
            "compare_server_default": True,
        },
    )
    return list(compare_metadata(context, metadata))


async def test_migration_matches_tables(fulfillment: Any) -> None:
    async with fulfillment.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_openapi_lists_the_staff_routes(fulfillment: Any) -> None:
    paths = (await fulfillment.client.get("/openapi.json")).json()["paths"]
    assert {"/v1/stock/{sku}", "/v1/outbound", "/healthz", "/readyz"} <= set(paths)
    assert (await fulfillment.client.get("/healthz")).json() == {"status": "ok", "service": "fulfillment"}

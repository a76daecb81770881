"""The hand-written migrations and tables.py describe the same schema; the app serves its docs."""

from __future__ import annotations

import pytest
from fulfillment.tables import SCHEMA, metadata
from fulfillment_harness import FulfillmentEnv
from orderhub_devstack.testing import schema_drift

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migration_matches_tables(fulfillment: FulfillmentEnv, fulfillment_database: str) -> None:
    assert await schema_drift(fulfillment_database, metadata, SCHEMA) == []


async def test_openapi_lists_the_staff_routes(fulfillment: FulfillmentEnv) -> None:
    paths = (await fulfillment.client.get("/openapi.json")).json()["paths"]
    assert {"/v1/stock/{sku}", "/v1/outbound", "/healthz", "/readyz"} <= set(paths)
    assert (await fulfillment.client.get("/healthz")).json() == {"status": "ok", "service": "fulfillment"}

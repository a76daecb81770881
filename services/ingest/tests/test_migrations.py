"""tables.py and the hand-written migrations describe the same schema."""

from __future__ import annotations

import pytest
from ingest.tables import SCHEMA, metadata
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import schema_drift
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migrated_schema_matches_tables(orderhub_stack: StackInfo, ingest_engine: AsyncEngine) -> None:
    # ingest_engine has run the migrations.
    assert await schema_drift(orderhub_stack.service_database_urls["ingest"], metadata, SCHEMA) == []

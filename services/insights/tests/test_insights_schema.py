"""tables.py and the hand-written migrations describe the same insights schema."""

from __future__ import annotations

import pytest
from insights.tables import SCHEMA, metadata
from insights_support import InsightsEnv
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import schema_drift

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migrated_schema_matches_tables(orderhub_stack: StackInfo, insights: InsightsEnv) -> None:
    # `insights` has run the migrations.
    assert await schema_drift(orderhub_stack.service_database_urls["insights"], metadata, SCHEMA) == []

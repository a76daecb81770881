"""tables.py and the hand-written migrations describe the same rules schema."""

from __future__ import annotations

import pytest
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import schema_drift
from rules.tables import SCHEMA, metadata
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migrated_schema_matches_tables(orderhub_stack: StackInfo, rules_db: AsyncEngine) -> None:
    # rules_db has run the migrations.
    assert await schema_drift(orderhub_stack.service_database_urls["rules"], metadata, SCHEMA) == []

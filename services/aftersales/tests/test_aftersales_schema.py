"""The hand-written migrations and tables.py describe the same schema."""

from __future__ import annotations

import asyncio

import pytest
from aftersales.tables import SCHEMA, metadata
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import schema_drift
from orderhub_runtime.migrations import upgrade_head

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migrated_schema_matches_tables(orderhub_stack: StackInfo) -> None:
    url = orderhub_stack.service_database_urls["aftersales"]
    await asyncio.to_thread(upgrade_head, "aftersales", url)
    assert await schema_drift(url, metadata, SCHEMA) == []

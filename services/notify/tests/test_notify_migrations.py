"""tables.py and the hand-written migrations describe the same schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from notify.tables import SCHEMA, metadata
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import schema_drift

if TYPE_CHECKING:
    from conftest import NotifyEnv

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_migrated_schema_matches_tables(orderhub_stack: StackInfo, notify: NotifyEnv) -> None:
    # The notify fixture has run the migrations.
    assert await schema_drift(orderhub_stack.service_database_urls["notify"], metadata, SCHEMA) == []

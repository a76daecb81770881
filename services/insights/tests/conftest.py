"""The insights service on the real stack."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from insights.main import create_app
from insights.settings import InsightsSettings
from insights_support import InsightsEnv
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import running_app
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import create_async_engine


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def insights(orderhub_stack: StackInfo) -> AsyncIterator[InsightsEnv]:
    url = orderhub_stack.service_database_urls["insights"]
    await asyncio.to_thread(upgrade_head, "insights", url)
    runtime = RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
        topic_prefix=f"{orderhub_stack.topic_prefix}in{uuid.uuid4().hex[:6]}.",
    )
    # Nobody listens at fulfillment's URL here: 稳 is missing and says so (one test serves it).
    settings = InsightsSettings(
        database_url=SecretStr(url), min_customers_per_cell=30, fulfillment_url="http://127.0.0.1:9"
    )
    engine = create_async_engine(url)
    try:
        async with running_app(create_app(settings, runtime)) as client:
            yield InsightsEnv(client, runtime, settings, engine)
    finally:
        await engine.dispose()

"""The fulfillment service migrated and running in-process against the real stack.

It gets a private topic prefix so that, in a whole-suite run, it neither consumes other
packages' test events nor adds its own to their topics. The harness it yields is typed, in
fulfillment_harness.py (importable by test modules)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from fulfillment.main import create_app
from fulfillment.settings import FulfillmentSettings
from fulfillment.tables import messaging
from fulfillment_harness import FulfillmentEnv
from orderhub_devstack.bootstrap import delete_topics, topic_names
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import running_app
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def fulfillment_database(orderhub_stack: StackInfo) -> str:
    url = orderhub_stack.service_database_urls["fulfillment"]
    await asyncio.to_thread(upgrade_head, "fulfillment", url)
    return url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fulfillment(orderhub_stack: StackInfo, fulfillment_database: str) -> AsyncIterator[FulfillmentEnv]:
    prefix = f"{orderhub_stack.topic_prefix}ff{uuid.uuid4().hex[:6]}."
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    app = create_app(FulfillmentSettings(database_url=fulfillment_database), runtime)
    engine = make_engine(fulfillment_database, pool_size=20)
    # Events published by direct use-case calls reach the outbox; the app's relay sends them.
    db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/fulfillment"), lambda: None)
    try:
        async with running_app(app) as client:
            yield FulfillmentEnv(
                client=client, engine=engine, db=db, bootstrap=orderhub_stack.kafka_bootstrap_servers, prefix=prefix
            )
    finally:
        await engine.dispose()
        await delete_topics(orderhub_stack.kafka_bootstrap_servers, topic_names(prefix))

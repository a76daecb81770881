"""The aftersales service migrated and running in-process against the real stack, on a private
topic prefix, with fixed customers and a counting refund provider (aftersales_harness.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from aftersales.customers import StaticSessions
from aftersales.main import create_app
from aftersales.settings import AftersalesSettings
from aftersales.tables import messaging
from aftersales_harness import CUSTOMERS, AftersalesEnv, CountingRefunds
from orderhub_devstack.bootstrap import delete_topics, topic_names
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import running_app
from orderhub_runtime.bus.outbox import OutboxWriter
from orderhub_runtime.db import Database, make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from pydantic import SecretStr


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def aftersales(orderhub_stack: StackInfo) -> AsyncIterator[AftersalesEnv]:
    url = orderhub_stack.service_database_urls["aftersales"]
    await asyncio.to_thread(upgrade_head, "aftersales", url)
    prefix = f"{orderhub_stack.topic_prefix}as{uuid.uuid4().hex[:6]}."
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    refunds = CountingRefunds()
    settings = AftersalesSettings(database_url=SecretStr(url), refund_interval_s=0.2, photo_max_bytes=64 * 1024)
    app = create_app(settings, runtime, sessions=StaticSessions(CUSTOMERS), refunds=refunds)
    engine = make_engine(url, pool_size=10)
    db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/aftersales"), lambda: None)
    try:
        async with running_app(app) as client:
            yield AftersalesEnv(
                client=client,
                engine=engine,
                db=db,
                bootstrap=orderhub_stack.kafka_bootstrap_servers,
                prefix=prefix,
                refunds=refunds,
            )
    finally:
        await engine.dispose()
        await delete_topics(orderhub_stack.kafka_bootstrap_servers, topic_names(prefix))

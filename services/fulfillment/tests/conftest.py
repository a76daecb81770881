"""The fulfillment service migrated and running in-process against the real stack.

It gets a private topic prefix so that, in a whole-suite run, it neither consumes other
packages' test events nor adds its own to their topics. The harness it yields is typed, in
fulfillment_harness.py (importable by test modules)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from carrier_harness import CarrierEnv, fake_ingest, free_port, serve_on
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
from orderhub_simulators.providers.kuaidi100.app import create_app as create_kuaidi100
from orderhub_simulators.testing import serve


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
    # Its own state dir (spool, WMS folders); its print and WMS loops run once at start and then
    # idle, so that tests drive the printer queue and the bridge themselves.
    state_dir = Path(tempfile.mkdtemp(prefix="orderhub-fulfillment-"))
    settings = FulfillmentSettings(
        database_url=fulfillment_database, state_dir=state_dir, print_poll_s=3600, wms_poll_s=3600
    )
    app = create_app(settings, runtime)
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
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def carriers(orderhub_stack: StackInfo, fulfillment_database: str) -> AsyncIterator[CarrierEnv]:
    """Fulfillment on 快递100 (the simulator, stepped by hand), its callback on a real port; a
    parcel is queried after 1 s without news and an order completes 2 s after delivery."""
    prefix = f"{orderhub_stack.topic_prefix}fc{uuid.uuid4().hex[:6]}."
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    sim_app = create_kuaidi100()
    port = free_port()
    views: dict[str, dict[str, Any]] = {}
    state_dir = Path(tempfile.mkdtemp(prefix="orderhub-fulfillment-"))  # its own spool and WMS folders
    async with serve(sim_app) as sim_port, serve(fake_ingest(views)) as ingest_port:
        sim_url = f"http://127.0.0.1:{sim_port}"
        settings = FulfillmentSettings(
            database_url=fulfillment_database,
            carrier="kuaidi100",
            kuaidi100_api_url=sim_url,
            kuaidi100_poll_url=sim_url,
            kuaidi100_callback_url=f"http://127.0.0.1:{port}/webhooks/carriers/kuaidi100",
            tracking_query_after_s=1.0,
            carrier_jobs_poll_s=0.2,
            complete_after_s=2.0,
            ingest_url=f"http://127.0.0.1:{ingest_port}",
            state_dir=state_dir,
            print_poll_s=3600,
            wms_poll_s=3600,
        )
        app = create_app(settings, runtime)
        engine = make_engine(fulfillment_database, pool_size=10)
        db = Database(engine, OutboxWriter(messaging.outbox, source="orderhub/fulfillment"), lambda: None)
        try:
            async with (
                running_app(app) as client,
                serve_on(app, port),
                httpx.AsyncClient(base_url=sim_url, timeout=10.0) as sim,
            ):
                await sim.post("/_sim/config", json={"auto": False, "shares": {}})
                ff = FulfillmentEnv(
                    client=client, engine=engine, db=db, bootstrap=orderhub_stack.kafka_bootstrap_servers, prefix=prefix
                )
                yield CarrierEnv(ff=ff, sim=sim, customer_views=views)
        finally:
            await engine.dispose()
            await delete_topics(orderhub_stack.kafka_bootstrap_servers, topic_names(prefix))
            shutil.rmtree(state_dir, ignore_errors=True)

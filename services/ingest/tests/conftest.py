"""Ingest against the real stack: migrated schema, one app (HTTP + consumer) for the session,
under a topic prefix of its own so other packages' tests never feed it events."""

from __future__ import annotations

import asyncio
import random
import string
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from ingest.deps import IngestDeps
from ingest.main import build_spec
from ingest.settings import IngestSettings
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import phone_order_body, running_app
from orderhub_runtime.app import create_service_app
from orderhub_runtime.db import make_engine
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
def ingest_runtime(orderhub_stack: StackInfo) -> RuntimeSettings:
    return RuntimeSettings(
        env="test",
        kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers,
        topic_prefix=f"{orderhub_stack.topic_prefix}ing{uuid.uuid4().hex[:6]}.",
        consumer_retry_backoff_ms=50,
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ingest_engine(orderhub_stack: StackInfo) -> AsyncIterator[AsyncEngine]:
    url = orderhub_stack.service_database_urls["ingest"]
    await asyncio.to_thread(upgrade_head, "ingest", url)
    engine = make_engine(url, pool_size=2)
    yield engine
    await engine.dispose()


@dataclass(frozen=True)
class RunningIngest:
    deps: IngestDeps
    http: httpx.AsyncClient


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def running_ingest(
    orderhub_stack: StackInfo, ingest_engine: AsyncEngine, ingest_runtime: RuntimeSettings
) -> AsyncIterator[RunningIngest]:
    """The ingest app running in-process (relay and consumer included), with its dependencies."""
    settings = IngestSettings(database_url=orderhub_stack.service_database_urls["ingest"])
    spec = build_spec(settings, ingest_runtime)
    async with running_app(create_service_app(spec)) as http:
        yield RunningIngest(spec.deps, http)


@pytest.fixture
def client(running_ingest: RunningIngest) -> httpx.AsyncClient:
    """The running ingest app as an HTTP client."""
    return running_ingest.http


@pytest.fixture
def ingest_deps(running_ingest: RunningIngest) -> IngestDeps:
    return running_ingest.deps


@pytest.fixture
def order_body() -> Callable[..., dict[str, Any]]:
    """A valid, paid phone order with a fresh channel order number; keyword arguments override."""

    def make(**overrides: Any) -> dict[str, Any]:
        number = "TEL" + "".join(random.choices(string.ascii_uppercase + string.digits, k=12))
        return phone_order_body(number, **overrides)

    return make

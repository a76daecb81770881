"""pytest plugin (entry point `orderhub`): one real stack per test session for every package.

By default a fresh embedded PostgreSQL and broker on free ports, in a scratch directory that
is deleted afterwards. With ORDERHUB_TEST_DATABASE_URL / ORDERHUB_TEST_KAFKA_BOOTSTRAP_SERVERS
set, those servers are used instead, isolated by a random database name and topic prefix, and
cleaned up at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from orderhub_devstack.stack import StackConfig, StackInfo


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def orderhub_stack() -> AsyncIterator[StackInfo]:
    """The database (a schema and role per service) and all topics, for the whole session.
    Tests connect with `orderhub_stack.service_database_urls[service]`."""
    # Imported here so that merely loading the plugin stays cheap for suites that never use it.
    from orderhub_devstack.ports import free_port
    from orderhub_devstack.scratch import make_scratch_dir, remove_orphaned_scratch_dirs, remove_scratch_dir
    from orderhub_devstack.stack import LocalStack, StackConfig

    await remove_orphaned_scratch_dirs()
    database_url = os.environ.get("ORDERHUB_TEST_DATABASE_URL") or None
    kafka = os.environ.get("ORDERHUB_TEST_KAFKA_BOOTSTRAP_SERVERS") or None
    suffix = secrets.token_hex(4)
    scratch = make_scratch_dir()
    config = StackConfig(
        state_dir=scratch,
        pg_port=free_port(),
        broker_port=free_port(),
        db_name=f"orderhub_test_{suffix}" if database_url else "orderhub",
        topic_prefix=f"t{suffix}." if kafka else "",
        database_url=database_url,
        kafka_bootstrap_servers=kafka,
    )
    stack = LocalStack(config)
    try:
        info = await stack.up()
        try:
            yield info
        finally:
            await _forget_external(config, info)
            await stack.down()
    finally:
        await remove_scratch_dir(scratch)


async def _forget_external(config: StackConfig, info: StackInfo) -> None:
    """Leave shared external servers as we found them (roles stay: they are shared by design)."""
    from orderhub_devstack.bootstrap import delete_topics, drop_database

    if config.database_url is not None:
        await drop_database(config.database_url, info.database)
    if config.kafka_bootstrap_servers is not None:
        await delete_topics(config.kafka_bootstrap_servers, info.topics)


@pytest.fixture(scope="session")
def kafka_bootstrap(orderhub_stack: StackInfo) -> str:
    return orderhub_stack.kafka_bootstrap_servers

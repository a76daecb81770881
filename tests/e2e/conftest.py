from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.bootstrap import bootstrap_database, drop_database, service_passwords
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.system import ANY_TIME_OF_DAY, SystemUnderTest


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(orderhub_stack: StackInfo, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SystemUnderTest]:
    """All five services as processes on a database and a broker of their own."""
    database = f"orderhub_e2e_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_database(orderhub_stack.admin_url, database, SERVICES, service_passwords(SERVICES))
    log_dir: Path = tmp_path_factory.mktemp("e2e-logs")
    sut = SystemUnderTest(database_urls=urls, log_dir=log_dir, extra_env=dict(ANY_TIME_OF_DAY))
    try:
        await sut.start_broker()
        await sut.migrate()
        await sut.start_services()
        yield sut
    finally:
        sut.shutdown()
        await drop_database(orderhub_stack.admin_url, database)

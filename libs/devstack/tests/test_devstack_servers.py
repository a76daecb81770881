"""The embedded servers on their own: port conflicts, restarts, stale state."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from orderhub_devstack.bootstrap import fetch_cluster_id
from orderhub_devstack.broker import BrokerPortInUse, EmbeddedBroker
from orderhub_devstack.ports import free_port, port_is_free
from orderhub_devstack.postgres import PASSWORD_FILE, EmbeddedPostgres, PostgresPortInUse
from orderhub_devstack.scratch import make_scratch_dir, remove_scratch_dir


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest_asyncio.fixture(loop_scope="session")
async def scratch() -> AsyncIterator[Path]:
    path = make_scratch_dir()
    try:
        yield path
    finally:
        await remove_scratch_dir(path)


def test_broker_reports_a_taken_port(listener: int) -> None:
    with pytest.raises(BrokerPortInUse, match=str(listener)):
        EmbeddedBroker(listener).start()


@pytest.mark.broker  # starts its own servers
async def test_broker_comes_back_empty_with_a_new_cluster_id() -> None:
    broker = EmbeddedBroker(free_port())
    broker.start()
    try:
        first = broker.cluster_id
        assert broker.is_alive()
        assert first.startswith("orderhub-local-")
        assert await fetch_cluster_id(broker.bootstrap_servers) == first
        broker.stop()
        assert not broker.is_alive()
        assert port_is_free(broker.port)
        broker.start()
        assert broker.cluster_id != first
        assert await fetch_cluster_id(broker.bootstrap_servers) == broker.cluster_id
    finally:
        broker.stop()


async def _count_rows(pg: EmbeddedPostgres) -> int:
    conn = await asyncpg.connect(pg.admin_url)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM kept")
        return count
    finally:
        await conn.close()


@pytest.mark.broker  # starts its own servers
async def test_postgres_restarts_in_place_and_survives_stale_state(scratch: Path, listener: int) -> None:
    data, port = scratch / "postgres", free_port()
    pg = EmbeddedPostgres(data, port, "first-password")
    await pg.start()
    try:
        conn = await asyncpg.connect(pg.admin_url)
        await conn.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)")
        await conn.close()

        # A second handle adopts the running server, with the password chosen at init.
        adopted = EmbeddedPostgres(data, port, "ignored")
        await adopted.start()
        assert adopted.admin_password == "first-password"

        await pg.stop()
        assert not pg.is_running()
        restarted = EmbeddedPostgres(data, port, "ignored")
        await restarted.start()
        assert await _count_rows(restarted) == 2
        await restarted.stop()

        # A postmaster.pid naming a live process that is not this cluster's postgres (pid reuse).
        (data / "postmaster.pid").write_text(f"{os.getpid()}\n{data}\n0\n{port}\n{data}\n127.0.0.1\n0 0\nready\n")
        await pg.start()
        assert await _count_rows(pg) == 2
        await pg.stop()

        # The password file got lost: the new password is set over the trusted local socket.
        (data / PASSWORD_FILE).unlink()
        renewed = EmbeddedPostgres(data, port, "second-password")
        await renewed.start()
        assert renewed.admin_password == "second-password"
        assert await _count_rows(renewed) == 2
        await renewed.stop()

        with pytest.raises(PostgresPortInUse, match=str(listener)):
            await EmbeddedPostgres(data, listener, "x").start()
    finally:
        await pg.stop()

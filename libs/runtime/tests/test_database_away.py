"""A database that goes away is a 503 `database_unavailable` with Retry-After, never a 500, and
the service serves again as soon as it is back, with no restart."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, FastAPI
from orderhub_devstack.ports import free_port
from orderhub_devstack.testing import eventually, running_app
from orderhub_runtime.db import make_engine
from orderhub_runtime.errors import install_error_handlers, is_database_unavailable
from probe_service import PrivateServers, make_probe, private_servers, probe_app
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = [pytest.mark.broker, pytest.mark.asyncio(loop_scope="session")]  # private servers


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def servers() -> AsyncIterator[PrivateServers]:
    async for s in private_servers():
        yield s


async def test_a_closed_port_is_a_503_with_retry_after() -> None:
    engine = make_engine(f"postgresql+asyncpg://nobody:x@127.0.0.1:{free_port()}/none")
    router = APIRouter()

    @router.get("/v1/thing")
    async def thing() -> dict[str, int]:
        async with engine.connect() as conn:
            return {"one": int((await conn.execute(text("SELECT 1"))).scalar_one())}

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/v1/thing")
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert int(response.headers["retry-after"]) > 0


async def test_an_exhausted_pool_is_a_503(servers: PrivateServers) -> None:
    engine = create_async_engine(servers.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    router = APIRouter()

    @router.get("/v1/thing")
    async def thing() -> dict[str, int]:
        async with engine.connect() as conn:
            return {"one": int((await conn.execute(text("SELECT 1"))).scalar_one())}

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    try:
        transport = httpx.ASGITransport(app=app)
        # The test holds the pool's only connection.
        async with engine.connect(), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/v1/thing")
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_statement_errors_are_not_unavailability() -> None:
    assert not is_database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_database_unavailable(ValueError("bad"))
    assert is_database_unavailable(ConnectionResetError())


async def test_postgres_restart_answers_503_then_serves_again(servers: PrivateServers) -> None:
    probe = await make_probe(servers)
    async with running_app(probe_app(probe)) as client:
        assert (await client.post("/v1/payments", json={"order_id": "o-1", "fen": 100})).status_code == 201
        await servers.postgres.stop()
        try:
            write = await client.post("/v1/payments", json={"order_id": "o-2", "fen": 100})
            read = await client.get("/v1/payments/o-1")
            ready = await client.get("/readyz")
        finally:
            await servers.postgres.start()
        for response in (write, read):
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "database_unavailable"
            assert response.headers["retry-after"]
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "unreachable"

        async def serves() -> bool:
            response = await client.post("/v1/payments", json={"order_id": "o-3", "fen": 100})
            return response.status_code == 201

        await eventually(serves, timeout_s=10)
        assert (await client.get("/v1/payments/o-1")).json() == {"payments": 1}
        assert (await client.get("/readyz")).status_code == 200

"""A broker that goes away does not take HTTP down: the service (a real process on its own
PostgreSQL and broker) keeps answering, writes go to the outbox, /readyz says what is missing,
the outage is one log line each way, the events flow once a broker is back (here an empty new
cluster, as the memory broker comes back), and shutdown is prompt with the broker down."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from orderhub_devstack.ports import free_port
from orderhub_devstack.testing import eventually, running_app
from orderhub_runtime.db import make_engine
from probe_service import PrivateServers, Probe, make_probe, private_servers, probe_app
from sqlalchemy import func, select

pytestmark = [pytest.mark.broker, pytest.mark.asyncio(loop_scope="session")]  # private servers
OUTAGE_S = 4.0
FAST_CHECKS = {"broker_check_interval_s": 0.5, "broker_retry_max_s": 1.0, "outbox_poll_interval_s": 0.5}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def servers() -> AsyncIterator[PrivateServers]:
    async for s in private_servers():
        yield s


class ProbeProcess:
    def __init__(self, probe: Probe, servers: PrivateServers, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        config = {
            "name": probe.name,
            "database_url": servers.database_url,
            "bootstrap": servers.broker.bootstrap_servers,
            "port": self.port,
            "runtime": FAST_CHECKS,
        }
        self._args = [sys.executable, str(Path(__file__).with_name("probe_server.py")), json.dumps(config)]
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
        }
        with self.log_path.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *self._args, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT, env=env
            )

    def lines(self) -> list[dict[str, object]]:
        parsed = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            try:
                parsed.append(json.loads(raw))
            except ValueError:
                parsed.append({"event": raw})
        return parsed

    def summary(self) -> str:
        return "\n".join(json.dumps(line, ensure_ascii=False)[:400] for line in self.lines())

    def events(self, name: str) -> int:
        return sum(1 for line in self.lines() if line.get("event") == name)

    async def stop(self) -> float:
        """SIGTERM; the seconds it took to exit."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        return time.monotonic() - started


async def test_http_survives_a_broker_outage_and_events_flow_after(servers: PrivateServers) -> None:
    probe = await make_probe(servers, **FAST_CHECKS)
    service = ProbeProcess(probe, servers, servers.scratch / f"{probe.name}.log")
    engine = make_engine(servers.database_url)
    await service.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service.port}", timeout=10) as client:

            async def ready() -> bool:
                with_error = await client.get("/readyz") if await _accepts(client) else None
                return with_error is not None and with_error.status_code == 200

            await eventually(ready, timeout_s=30)

            async def handled() -> int:
                async with engine.connect() as conn:
                    return int((await conn.execute(select(func.count()).select_from(probe.effects))).scalar_one())

            assert (await client.post("/v1/payments", json={"order_id": "before", "fen": 1})).status_code == 201
            await eventually(lambda: _equals(handled, 1), timeout_s=20)

            servers.broker.stop()
            lines_before = len(service.lines())
            statuses: list[int] = []
            readiness: list[dict[str, object]] = []
            written = 0
            deadline = time.monotonic() + OUTAGE_S
            while time.monotonic() < deadline:  # bounded load: ~10 requests a second for a few seconds
                write = await client.post("/v1/payments", json={"order_id": f"during-{written}", "fen": 1})
                written += write.status_code == 201
                read = await client.get("/v1/payments/before")
                ready_now = await client.get("/readyz")
                statuses += [write.status_code, read.status_code, ready_now.status_code]
                readiness.append(ready_now.json())
                await asyncio.sleep(0.1)
            assert set(statuses) <= {200, 201, 503}, statuses
            assert written > 10, "writes go on into the outbox"
            assert readiness[-1]["checks"] == {"database": "ok", "broker": "unreachable", "consumer": "ok"}
            outage_lines = service.lines()[lines_before:]
            assert len(outage_lines) < 30, "\n".join(json.dumps(line) for line in outage_lines)

            servers.broker.start()  # an empty cluster with a new id: the service re-creates its topics
            await eventually(lambda: _equals(handled, 1 + written), timeout_s=45)
            await eventually(ready, timeout_s=10)
            assert service.events("bus.broker_lost") == 1, service.summary()
            assert service.events("bus.broker_recovered") == 1, service.summary()

            servers.broker.stop()
            await eventually(lambda: _readyz_broker(client, "unreachable"), timeout_s=10)
        took = await service.stop()
        assert took < 10, f"shutdown took {took:.1f}s with the broker away"
        assert service.events("service.stopped") == 1, service.summary()
    finally:
        if service.proc is not None and service.proc.returncode is None:
            service.proc.kill()
            await service.proc.wait()
        await engine.dispose()
        if not servers.broker.is_alive():
            servers.broker.start()


async def test_a_service_starts_without_the_broker_and_connects_when_it_comes(servers: PrivateServers) -> None:
    probe = await make_probe(servers, **FAST_CHECKS, broker_startup_wait_s=0.5)
    engine = make_engine(servers.database_url)
    servers.broker.stop()
    try:
        async with running_app(probe_app(probe)) as client:
            assert (await client.post("/v1/payments", json={"order_id": "early", "fen": 1})).status_code == 201
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"database": "ok", "broker": "unreachable", "consumer": "stopped"}

            servers.broker.start()

            async def handled() -> int:
                async with engine.connect() as conn:
                    return int((await conn.execute(select(func.count()).select_from(probe.effects))).scalar_one())

            await eventually(lambda: _equals(handled, 1), timeout_s=30)
            assert (await client.get("/readyz")).status_code == 200
    finally:
        await engine.dispose()
        if not servers.broker.is_alive():
            servers.broker.start()


async def _accepts(client: httpx.AsyncClient) -> bool:
    try:
        await client.get("/healthz")
        return True
    except httpx.TransportError:
        return False


async def _equals(count: object, wanted: int) -> bool:
    assert callable(count)
    return bool(await count() == wanted)


async def _readyz_broker(client: httpx.AsyncClient, state: str) -> bool:
    return bool((await client.get("/readyz")).json()["checks"]["broker"] == state)

"""The launcher's pieces, then the launcher itself driving stand-in services (small Python
packages named like the real ones, found first on PYTHONPATH)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.console import Console
from orderhub_devstack.launcher import run
from orderhub_devstack.ports import accepts_connections, free_port, port_is_free
from orderhub_devstack.scratch import make_scratch_dir, remove_scratch_dir
from orderhub_devstack.services import (
    FRONTENDS,
    Instance,
    banner,
    http_ports,
    instances,
    local_simulators,
    parse_replicas,
    service_env,
)
from orderhub_devstack.stack import StackInfo

FAKE_MAIN = """
import asyncio, os, signal, sys, http.server
import asyncpg

name = __package__
command = sys.argv[1] if len(sys.argv) > 1 else "serve"
if command == "migrate":
    url = os.environ[name.upper() + "_DATABASE_URL"].replace("+asyncpg", "")
    async def migrate():
        conn = await asyncpg.connect(url)
        await conn.execute("CREATE TABLE IF NOT EXISTS migrated (id int)")
        await conn.close()
    asyncio.run(migrate())
    print("migrated", flush=True)
    sys.exit(0)

def drain(*_):
    print("draining", flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, drain)
port = int(os.environ[name.upper() + "_HTTP_PORT"])
server = http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
print(f"serving pid={os.getpid()} env={os.environ['ORDERHUB_ENV']}", flush=True)
server.serve_forever()
"""


def test_console_tags_have_one_width_and_colour_only_when_asked() -> None:
    out = io.StringIO()
    Console(SERVICES, out, colour=False).line("ingest", "hello")
    Console(SERVICES, out, colour=False).line("fulfillment", "hi")
    assert out.getvalue().splitlines() == ["ingest      | hello", "fulfillment | hi"]
    assert "\033[" in Console(SERVICES, io.StringIO(), colour=True).tag("rules")


def test_service_env_and_banner() -> None:
    ports = http_ports(SERVICES)
    assert ports == {
        "ingest": 8001,
        "rules": 8002,
        "fulfillment": 8003,
        "aftersales": 8004,
        "notify": 8005,
        "insights": 8006,
    }
    info = StackInfo(
        service_database_urls={s: f"postgresql+asyncpg://orderhub_{s}:pw@127.0.0.1:5/db" for s in SERVICES},
        kafka_bootstrap_servers="127.0.0.1:9",
        admin_url="postgresql://postgres:secret@127.0.0.1:5/postgres",
        topic_prefix="p.",
        broker_cluster_id="c1",
    )
    env = service_env("rules", info, 8002, {"ORDERHUB_DATABASE_URL": info.admin_url, "KEEP": "1"})
    assert env["RULES_DATABASE_URL"] == info.service_database_urls["rules"]
    assert (env["RULES_HTTP_PORT"], env["ORDERHUB_TOPIC_PREFIX"], env["ORDERHUB_ENV"]) == ("8002", "p.", "local")
    assert env["ORDERHUB_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9" and env["KEEP"] == "1"
    assert "ORDERHUB_DATABASE_URL" not in env
    assert service_env("rules", info, 8002, {"ORDERHUB_ENV": "staging"})["ORDERHUB_ENV"] == "staging"
    local = service_env("fulfillment", info, 8003, {})
    assert local["FULFILLMENT_CARRIER"] == "kuaidi100"  # the 快递100 simulator of `make simulate`
    assert local["FULFILLMENT_KUAIDI100_CALLBACK_URL"] == "http://127.0.0.1:8003/webhooks/carriers/kuaidi100"
    assert service_env("fulfillment", info, 8003, {"FULFILLMENT_CARRIER": "local"})["FULFILLMENT_CARRIER"] == "local"
    assert "FULFILLMENT_CARRIER" not in service_env("fulfillment", info, 8003, {"ORDERHUB_ENV": "test"})
    text = "\n".join(banner(info, ports))
    assert "http://127.0.0.1:8005/docs" in text and "local-warehouse" in text and "secret" not in text


def test_replicas_get_their_own_ports_after_the_first_instances() -> None:
    replicas = parse_replicas(" rules=2, notify=3 ,", SERVICES)
    assert replicas == {"rules": 2, "notify": 3}
    found = instances(SERVICES, 8000, replicas)
    assert found[: len(SERVICES)] == [Instance(s, s, 8001 + i) for i, s in enumerate(SERVICES)]
    assert found[len(SERVICES) :] == [
        Instance("rules-2", "rules", 8012),
        Instance("notify-2", "notify", 8015),
        Instance("notify-3", "notify", 8025),
    ]
    assert len({i.port for i in found}) == len(found)
    for wrong in ("rules", "billing=2", "rules=0", "rules=x", "rules=10"):
        with pytest.raises(ValueError, match="ORDERHUB_REPLICAS"):
            parse_replicas(wrong, SERVICES)


async def test_launcher_refuses_bad_replicas() -> None:
    assert await run({"ORDERHUB_REPLICAS": "rules=many"}) == 2


@pytest.mark.broker  # starts its own servers
async def test_launcher_refuses_taken_http_ports() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        assert await run({"ORDERHUB_HTTP_PORT_BASE": str(taken - 1)}) == 2


def _free_port_block(size: int, replicas: dict[str, int] | None = None) -> int:
    """A base such that every instance's port (base+1 .. base+size, and replicas') is free."""
    for _ in range(50):
        base = free_port() - 1
        if all(port_is_free(i.port) for i in instances(SERVICES[:size], base, replicas)):
            return base
    raise RuntimeError("no block of free ports")


def _children(pid: int, name: str) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            comm_end = (text := stat.read_text()).rindex(")")
            if text[text.index("(") + 1 : comm_end] == name and int(text[comm_end + 2 :].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except FileNotFoundError:
        return None


@dataclass
class Launcher:
    proc: asyncio.subprocess.Process
    state_dir: Path
    lines: list[str] = field(default_factory=list)

    async def pump(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode().rstrip("\n"))

    async def wait_for(self, pattern: str, count: int = 1, timeout_s: float = 30.0) -> list[re.Match[str]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [m for line in self.lines if (m := re.search(pattern, line))]
            if len(found) >= count:
                return found
            if self.proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count}x {pattern!r} in launcher output:\n" + "\n".join(self.lines))


@pytest_asyncio.fixture(loop_scope="session")
async def launcher() -> AsyncIterator[Launcher]:
    scratch = make_scratch_dir()
    for service in SERVICES:
        (scratch / "fake" / service).mkdir(parents=True)
        (scratch / "fake" / service / "__init__.py").write_text("")
        (scratch / "fake" / service / "__main__.py").write_text(FAKE_MAIN)
    env = {
        **os.environ,
        "PYTHONPATH": str(scratch / "fake"),
        "ORDERHUB_STATE_DIR": str(scratch),
        "ORDERHUB_PG_PORT": str(free_port()),
        "ORDERHUB_BROKER_PORT": str(free_port()),
        "ORDERHUB_HTTP_PORT_BASE": str(_free_port_block(len(SERVICES), {"rules": 2})),
        "ORDERHUB_REPLICAS": "rules=2",
        "FULFILLMENT_CARRIER": "local",  # the fake services call no carrier: no 快递100 simulator
    }
    for external in ("ORDERHUB_DATABASE_URL", "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS", "ORDERHUB_DB_NAME"):
        env.pop(external, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "orderhub_devstack", "run",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    launched = Launcher(proc, scratch)
    pump = asyncio.create_task(launched.pump())
    try:
        yield launched
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await pump
        await remove_scratch_dir(scratch)


@pytest.mark.broker  # starts its own servers
async def test_launcher_migrates_serves_restarts_and_stops_cleanly(launcher: Launcher) -> None:
    await launcher.wait_for(r"\| migrated", count=len(SERVICES))
    await launcher.wait_for("OrderHub is up")
    # ORDERHUB_REPLICAS=rules=2: a second rules process on its own port (migrations run once).
    served = await launcher.wait_for(r"^([\w-]+) +\| serving pid=(\d+) env=local", count=len(SERVICES) + 1)
    pids = {m[1]: int(m[2]) for m in served}
    assert set(pids) == {*SERVICES, "rules-2"}
    assert len([line for line in launcher.lines if "| migrated" in line]) == len(SERVICES)
    expected = len(SERVICES) + 1 + len(FRONTENDS)
    ports = [int(m[1]) for m in await launcher.wait_for(r"http://127.0.0.1:(\d+) ", count=expected)]
    assert len(set(ports)) == expected
    assert all(accepts_connections(port) for port in ports)

    # A crashed service comes back on its own.
    os.kill(pids["ingest"], signal.SIGKILL)
    await launcher.wait_for("ingest exited unexpectedly")
    await launcher.wait_for(r"^ingest +\| serving", count=2)

    # A dead broker is started again, with its topics; the services keep running through it.
    broker_pid = _children(launcher.proc.pid, "tansu")
    assert len(broker_pid) == 1
    os.kill(broker_pid[0], signal.SIGKILL)
    await launcher.wait_for("broker back on .* as cluster orderhub-local-")
    assert len(await launcher.wait_for(r"\| serving pid=", count=len(SERVICES) + 2)) == len(SERVICES) + 2
    assert not [line for line in launcher.lines if "exited unexpectedly" in line and "ingest" not in line]

    # A crashed PostgreSQL (its stale postmaster.pid left behind) is started again.
    data_dir = launcher.state_dir / "postgres"
    postmaster = _postmaster_pid(data_dir)
    assert postmaster is not None
    os.kill(postmaster, signal.SIGKILL)
    await launcher.wait_for("PostgreSQL stopped; starting it again")
    await launcher.wait_for("PostgreSQL is back")

    launcher.proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(launcher.proc.wait(), 30) == 0
    await launcher.wait_for(r"\| draining", count=len(SERVICES) + 1)
    assert not any(accepts_connections(port) for port in ports)
    assert _children(launcher.proc.pid, "tansu") == []
    assert _postmaster_pid(data_dir) is None


def test_local_mode_starts_the_carrier_simulator_fulfillment_points_at() -> None:
    [simulator] = local_simulators({"ORDERHUB_ENV": "local", "ORDERHUB_DATABASE_URL": "postgresql://admin@x/y"})
    assert (simulator.name, simulator.module) == ("kuaidi100", "orderhub_simulators.local_carrier")
    assert "ORDERHUB_DATABASE_URL" not in simulator.env  # admin credentials stay with the launcher
    assert local_simulators({"ORDERHUB_ENV": "local", "FULFILLMENT_CARRIER": "local"}) == []
    assert local_simulators({"ORDERHUB_ENV": "production"}) == []

"""All five services as separate processes, the way `make run` runs them, against a database
and a broker of the caller's own, so tests and benchmarks can stop, crash and restart the whole system."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from orderhub_contracts.topics import SERVICES

from orderhub_devstack.bootstrap import ensure_topics, topic_names
from orderhub_devstack.broker import EmbeddedBroker
from orderhub_devstack.ports import free_port

PARTITIONS = 4
# Tests and benchmarks must not depend on the time of day: notify's quiet hours (start == end) are off.
ANY_TIME_OF_DAY = {"NOTIFY_QUIET_HOURS_START": "00:00", "NOTIFY_QUIET_HOURS_END": "00:00"}


@dataclass
class SystemUnderTest:
    database_urls: dict[str, str]
    log_dir: Path
    broker_port: int = field(default_factory=free_port)
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    broker: EmbeddedBroker | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: int = 0
    # Settings every service process gets on top of the defaults, e.g. NOTIFY_QUIET_HOURS_START.
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self, service: str) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ORDERHUB_", *[s.upper() + "_" for s in SERVICES]))
        }
        env.update(
            {
                f"{service.upper()}_DATABASE_URL": self.database_urls[service],
                f"{service.upper()}_HTTP_PORT": str(self.ports[service]),
                "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "ORDERHUB_ENV": "test",
                "ORDERHUB_LOG_FORMAT": "json",
                "ORDERHUB_TOPIC_PARTITIONS": str(PARTITIONS),
            }
        )
        env.update(self.extra_env)
        return env

    async def start_broker(self) -> None:
        self.broker = EmbeddedBroker(self.broker_port, log_path=self.log_dir / "broker.log")
        await asyncio.to_thread(self.broker.start)
        await ensure_topics(self.bootstrap, topic_names(), PARTITIONS)

    async def migrate(self) -> None:
        for service in SERVICES:
            result = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", service, "migrate"],
                env=self.env(service),
                capture_output=True,
                text=True,
                timeout=120,
            )
            if result.returncode != 0:
                raise RuntimeError(f"{service} migrate failed:\n{result.stderr[-3000:]}")

    async def start_services(self) -> None:
        self.starts += 1
        for service in SERVICES:
            self.procs[service] = self._spawn(service)
        await self.wait_ready()

    def _spawn(self, service: str) -> subprocess.Popen[bytes]:
        with open(self.log_dir / f"{service}.{self.starts}.log", "wb") as log:  # the child keeps its own handle
            return subprocess.Popen(
                [sys.executable, "-m", service, "serve"], env=self.env(service), stdout=log, stderr=subprocess.STDOUT
            )

    async def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            for service in SERVICES:
                while True:
                    proc = self.procs[service]
                    if proc.poll() is not None:
                        raise RuntimeError(f"{service} exited with {proc.returncode}:\n{self.log_tail(service)}")
                    try:
                        if (await client.get(self.url(service) + "/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{service} not ready in {timeout_s}s:\n{self.log_tail(service)}")
                    await asyncio.sleep(0.2)

    def stop_services(self, sig: signal.Signals = signal.SIGTERM) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(sig)
        for service, proc in self.procs.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise RuntimeError(f"{service} did not stop on {sig.name}:\n{self.log_tail(service)}") from None
        self.procs.clear()

    def crash(self) -> None:
        """kill -9 every service and the broker: the memory-only broker loses everything."""
        self.stop_services(signal.SIGKILL)
        if self.broker is not None:
            assert self.broker.pid is not None
            os.kill(self.broker.pid, signal.SIGKILL)
            self.broker.stop()

    def log_tail(self, service: str, chars: int = 4000) -> str:
        path = self.log_dir / f"{service}.{self.starts}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def shutdown(self) -> None:
        self.stop_services(signal.SIGTERM)
        if self.broker is not None:
            self.broker.stop()

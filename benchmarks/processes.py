"""Service processes for the one-service benchmarks (`benchmarks.rules`, `benchmarks.notify`):
each a `python -m <service> serve` on the private stack, its log in a file, all stopped on the
way out however the benchmark ends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
from orderhub_devstack.stack import StackInfo

Start = Callable[[Mapping[str, str], Path], subprocess.Popen[bytes]]


def service_env(service: str, info: StackInfo, settings: Mapping[str, str]) -> dict[str, str]:
    """This environment without any OrderHub or service setting of its own, then the stack's
    broker, JSON logs and `settings` (the service's own, prefixed)."""
    prefix = f"{service.upper()}_"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERHUB_", prefix))}
    return env | {
        "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS": info.kafka_bootstrap_servers,
        "ORDERHUB_LOG_FORMAT": "json",
        **settings,
    }


@contextlib.contextmanager
def service_processes(service: str) -> Iterator[Start]:
    """Yields `start(env, log_path)`, which starts one process of `service`; every process
    started is terminated (killed after 30 s) when the block ends."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(env: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
        with log_path.open("wb") as log:  # the child keeps its own handle
            proc = subprocess.Popen(
                [sys.executable, "-m", service, "serve"], env=dict(env), stdout=log, stderr=subprocess.STDOUT
            )
        procs.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


async def wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    """Until the process answers /readyz with 200 (started: database, broker, consumer)."""
    async with httpx.AsyncClient(timeout=2.0) as client:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"the service exited; see {log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the service did not get ready; see {log_path}")

"""Service processes: spawned as `python -m <module> <command>`, output relayed line by line
with a tag, restarted with backoff when they exit on their own, stopped with SIGTERM then SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orderhub_devstack.console import Console
from orderhub_devstack.procs import die_with_parent, signal_group

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 30.0
# A process that stayed up this long was healthy; its next crash starts the backoff afresh.
HEALTHY_UPTIME = 60.0
STOP_GRACE = 15.0
_READ_CHUNK = 65536
_MAX_LINE = 1 << 20


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    env: Mapping[str, str]


class ManagedService:
    def __init__(self, spec: ServiceSpec, console: Console, python: str = sys.executable) -> None:
        self.spec = spec
        self._console = console
        self._python = python
        self._proc: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    async def run_once(self, command: str) -> int:
        """Run `command` to completion (say `migrate`); the exit code. Cancelling stops the process."""
        return await self._run(command)

    def start(self) -> None:
        """Keep `serve` running until `stop()`."""
        if self._task is not None and not self._task.done():
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._keep_serving(), name=f"serve-{self.spec.name}")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM (the service drains), SIGKILL if it is still there after `grace` seconds."""
        self._stopping.set()
        self._signal(signal.SIGTERM)
        task = self._task
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            self._console.say(f"{self.spec.name} did not stop within {grace:.0f}s; killing it")
            self._signal(signal.SIGKILL)
            await task

    async def _keep_serving(self) -> None:
        backoff = INITIAL_BACKOFF
        while not self._stopping.is_set():
            started = time.monotonic()
            rc = await self._run("serve")
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= HEALTHY_UPTIME:
                backoff = INITIAL_BACKOFF
            self._console.say(f"{self.spec.name} exited unexpectedly (rc {rc}); restarting in {backoff:.0f}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            self.restarts += 1

    async def _run(self, command: str) -> int:
        try:
            proc = await asyncio.create_subprocess_exec(
                self._python,
                "-m",
                self.spec.module,
                command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=dict(self.spec.env),
                # Own session: a terminal Ctrl-C reaches only the launcher, which stops services
                # first and the servers after them.
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
        except OSError as exc:
            self._console.line(self.spec.name, f"could not start: {exc}")
            return -1
        self._proc = proc
        if self._stopping.is_set():  # stop() ran while we were spawning
            self._signal(signal.SIGTERM)
        assert proc.stdout is not None
        pump = asyncio.create_task(self._relay(proc.stdout))
        try:
            rc = await proc.wait()
        except asyncio.CancelledError:
            await self._terminate(proc)
            raise
        finally:
            # A grandchild may still hold the pipe open; don't wait on it forever.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pump, 2.0)
        return rc

    async def _terminate(self, proc: asyncio.subprocess.Process) -> None:
        self._signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE)
        except TimeoutError:
            self._signal(signal.SIGKILL)
            await proc.wait()

    def _signal(self, sig: signal.Signals) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            signal_group(proc.pid, sig)

    async def _relay(self, stream: asyncio.StreamReader) -> None:
        # Chunks rather than readline(): a single very long line must not break the relay.
        pending = b""
        while chunk := await stream.read(_READ_CHUNK):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self._emit(line)
            if len(pending) > _MAX_LINE:
                self._emit(pending)
                pending = b""
        if pending:
            self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        self._console.line(self.spec.name, raw.decode(errors="replace").rstrip("\r"))


class Supervisor:
    """All services as one unit: start together, stop together (in parallel, one shared grace)."""

    def __init__(self, specs: Sequence[ServiceSpec], console: Console) -> None:
        self.services = [ManagedService(spec, console) for spec in specs]

    def start_all(self) -> None:
        for service in self.services:
            service.start()

    async def stop_all(self, grace: float = STOP_GRACE) -> None:
        await asyncio.gather(*(service.stop(grace) for service in self.services))

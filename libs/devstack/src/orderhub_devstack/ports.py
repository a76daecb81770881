"""TCP port helpers. Both embedded servers fail confusingly on a taken port (Tansu even exits
with rc 0), so everything that listens is checked up front."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A port the kernel considers free right now on 127.0.0.1 (racy by nature, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    """True when nothing listens on `port`.

    SO_REUSEADDR mirrors what Tansu, PostgreSQL and uvicorn set, so sockets lingering in
    TIME_WAIT from a previous run do not count as "in use". On Linux, binding the wildcard
    address conflicts with a listener on any address, so the default host is the strictest check.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def accepts_connections(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    """Poll until something accepts connections on host:port; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if accepts_connections(port, host):
            return True
        time.sleep(0.01)
    return False

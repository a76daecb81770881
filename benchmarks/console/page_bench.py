"""Console benchmark: the pages customer service lives in, with a million orders loaded.

    python -m benchmarks.console.page_bench [--orders 1000000] [--requests 200]

A private stack in a scratch directory: an embedded PostgreSQL, the broker, every service as a
process (as `make run` starts them) and the console as a process. Orders are bulk-loaded into
ingest the way the search benchmark does it (`benchmarks/ingest/search_data.py`), anomalies
into rules (`anomaly_data.py`: one order in six with an automatic level-1 tag, reviews and
blocks of the last week waiting in the queue). Then one logged-in agent, one request at a time,
times the console's own pages end to end (the console and the services it calls for them):
the order page (ingest order and timeline, rules anomalies, fulfillment parcels, notify
messages, aftersales tickets), the anomaly queue (all, and 拦截 only) and a search by the
receiver's name. Prints p50/p95/p99 per page; the target is p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
from orderhub_contracts.topics import SERVICES
from orderhub_devstack.bootstrap import asyncpg_dsn, bootstrap_database, service_passwords
from orderhub_devstack.ports import free_port
from orderhub_devstack.postgres import EmbeddedPostgres
from orderhub_devstack.scratch import make_scratch_dir
from orderhub_devstack.system import ANY_TIME_OF_DAY, SystemUnderTest

from benchmarks.console import anomaly_data
from benchmarks.ingest import search_bench

TARGET_P95_MS = 300.0
DATABASE = "orderhub_bench"


def _say(message: str) -> None:
    print(message, flush=True)


def _database_url(admin_url: str, database: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + database


def start_console(system: SystemUnderTest, log_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERHUB_", "CONSOLE_"))}
    env.update(
        {f"CONSOLE_{s.upper()}_URL": system.url(s) for s in SERVICES}
        | {"CONSOLE_HTTP_PORT": str(port), "ORDERHUB_ENV": "test", "ORDERHUB_LOG_FORMAT": "json"}
    )
    with open(log_dir / "console.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "console", "serve"], env=env, stdout=log, stderr=log)
    return proc, f"http://127.0.0.1:{port}"


async def wait_ready(client: httpx.AsyncClient, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the console exited with {proc.returncode}")
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the console did not start")


async def log_in(client: httpx.AsyncClient, token: str) -> None:
    form = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found is not None, "no login CSRF token on the login page"
    answer = await client.post("/login", data={"token": token, "csrf_token": found.group(1), "next": "/anomalies"})
    assert answer.status_code == 303, answer.text[:500]


async def sample(conn: asyncpg.Connection, count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """Order IDs (half of them with anomalies) and receiver names to open and search."""
    plain = await conn.fetch("SELECT order_id, receiver_name FROM ingest.orders TABLESAMPLE SYSTEM (1) LIMIT $1", count)
    flagged = await conn.fetch(
        "SELECT order_id FROM rules.anomalies TABLESAMPLE SYSTEM (5) WHERE level > 1 LIMIT $1", count // 2
    )
    ids = [str(r["order_id"]) for r in plain[: count - len(flagged)]] + [str(r["order_id"]) for r in flagged]
    rng.shuffle(ids)
    return ids, [str(r["receiver_name"]) for r in plain]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def time_pages(
    client: httpx.AsyncClient, pages: dict[str, Callable[[int], str]], n: int
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for i in range(n):
        for name, path in pages.items():
            started = time.perf_counter()
            response = await client.get(path(i))
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{name} {path(i)}: HTTP {response.status_code}\n{response.text[:500]}")
            timings[name].append(elapsed)
    return timings


def report(timings: dict[str, list[float]]) -> bool:
    _say(f"{'page':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    ok = True
    for name, values in timings.items():
        p95 = percentile(values, 95)
        ok = ok and p95 < TARGET_P95_MS
        _say(
            f"{name:<22}{len(values):>6}{percentile(values, 50):>10.1f}{p95:>10.1f}"
            f"{percentile(values, 99):>10.1f}{max(values):>10.1f}"
        )
    return ok


async def bench(args: argparse.Namespace, scratch: Path) -> bool:
    postgres = EmbeddedPostgres(scratch / "postgres", free_port(), "bench-admin")
    system: SystemUnderTest | None = None
    console: subprocess.Popen[bytes] | None = None
    try:
        _say(f"starting embedded PostgreSQL and the broker in {scratch} ...")
        await postgres.start()
        urls = await bootstrap_database(postgres.admin_url, DATABASE, SERVICES, service_passwords(SERVICES))
        system = SystemUnderTest(database_urls=urls, log_dir=scratch, extra_env=dict(ANY_TIME_OF_DAY))
        await system.start_broker()
        await system.migrate()
        _say(f"loading {args.orders:,} orders into ingest ...")
        await search_bench.load(urls["ingest"], args.orders)
        admin = await asyncpg.connect(asyncpg_dsn(_database_url(postgres.admin_url, DATABASE)))
        try:
            _say("loading the rules' anomalies ...")
            _say(f"anomalies: {await anomaly_data.load(admin)}")
            order_ids, names = await sample(admin, args.requests, random.Random(args.seed))
        finally:
            await admin.close()
        _say("starting the services and the console ...")
        await system.start_services()
        console, url = start_console(system, scratch)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            await wait_ready(client, console)
            await log_in(client, "local-cs")
            pages: dict[str, Callable[[int], str]] = {
                "order page": lambda i: f"/orders/{order_ids[i % len(order_ids)]}",
                "anomaly queue": lambda i: "/anomalies",
                "queue 拦截": lambda i: "/anomalies?level=3",
                "search by name": lambda i: f"/orders?q={names[i % len(names)]}",
            }
            _say("warming up ...")
            await time_pages(client, pages, max(args.requests // 10, 5))
            _say(f"timing {args.requests} requests per page, one at a time ...")
            return report(await time_pages(client, pages, args.requests))
    finally:
        if console is not None and console.poll() is None:
            console.send_signal(signal.SIGTERM)
            console.wait(timeout=30)
        if system is not None:
            system.shutdown()
        await postgres.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.console.page_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (logs) afterwards")
    args = parser.parse_args(argv)
    scratch = make_scratch_dir()
    try:
        ok = asyncio.run(bench(args, scratch))
    finally:
        if args.keep:
            _say(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    _say(f"p95 < {TARGET_P95_MS:.0f} ms for every page" if ok else f"p95 >= {TARGET_P95_MS:.0f} ms for some page")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Search benchmark: bulk-load N realistic orders, ANALYZE, then time a mix of searches through
the same code path as the API (criteria -> SQL -> lines -> views) and print p50/p95/p99.

    python -m benchmarks.ingest.search_bench --orders 1000000 [--admin-url URL | --database-url URL] [--explain]

By default an embedded PostgreSQL is started in a scratch directory, bootstrapped and migrated
like the real one, and removed afterwards. With --admin-url (a superuser URL of a PostgreSQL
server) a database of its own is created on that server and dropped afterwards. A --database-url
must be the ingest role's URL on a scratch database: orders are added to it (--skip-load reuses
what is there).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import asyncpg
from ingest.search.criteria import SearchCriteria, build_criteria
from ingest.search.plan import StatsCache
from ingest.search.repository import search_statement, walk_statement
from ingest.search.service import find_orders, plan_search
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.ingest import search_data

MAINTENANCE_WORK_MEM = "256MB"
GIN_INDEXES = {"ix_orders_search_grams": "search_grams", "ix_orders_name_grams": "name_grams"}
TWO_CHAR_WORDS = ("加湿", "风扇", "水壶", "炸锅", "暖风", "净化", "静音", "小米")
Query = tuple[str, SearchCriteria]


def _say(message: str) -> None:
    print(message, flush=True)


async def _sample(engine: AsyncEngine) -> list[dict[str, str]]:
    query = text(
        "SELECT order_id, channel_order_no, receiver_phone_last4 AS last4, search_text, receiver_name FROM orders "
        "TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 2000"
    )
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings()]


def build_queries(rows: list[dict[str, str]], per_kind: int, rng: random.Random) -> list[Query]:
    products = [p for p, _ in search_data.PRODUCTS]

    def product_of(row: dict[str, str]) -> str:
        return next(p for p in products if p in row["search_text"])

    makers: dict[str, Callable[[dict[str, str]], SearchCriteria]] = {
        "order_id": lambda r: build_criteria(q=r["order_id"]),
        "order_id_prefix": lambda r: build_criteria(q=r["order_id"][:14]),  # DABE + yyyymmddHH
        "channel_order_no": lambda r: build_criteria(q=r["channel_order_no"]),
        "phone_last4": lambda r: build_criteria(q=r["last4"]),
        "product_word": lambda r: build_criteria(q=rng.choice(products)),
        "product_2char": lambda r: build_criteria(q=rng.choice(TWO_CHAR_WORDS)),
        "product+last4": lambda r: build_criteria(q=f"{product_of(r)} {r['last4']}"),
        "brand+product": lambda r: build_criteria(q=f"{rng.choice(search_data.BRANDS)} {product_of(r)}"),
        "product+channel": lambda r: build_criteria(q=product_of(r), channel=rng.choice(("douyin", "shopee"))),
        "receiver_name": lambda r: build_criteria(q=r["receiver_name"]),
        "name+last4": lambda r: build_criteria(q=f"{r['receiver_name']} {r['last4']}"),
        "no_match": lambda r: build_criteria(q=rng.choice(("洗碗机", "投影仪", "电动牙刷", "剃须"))),
    }
    queries = [(kind, make(rng.choice(rows))) for kind, make in makers.items() for _ in range(per_kind)]
    rng.shuffle(queries)
    return queries


async def run_queries(engine: AsyncEngine, queries: list[Query]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    stats = StatsCache()  # one per app, as in the service's dependencies
    for kind, criteria in queries:
        started = time.perf_counter()
        async with engine.begin() as conn:
            await find_orders(conn, criteria, stats)
        timings[kind].append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(timings: dict[str, list[float]]) -> bool:
    """Prints the table; True when every kind's p95 is under 50 ms."""
    _say(f"{'query kind':<18}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    every = [t for values in timings.values() for t in values]
    ok = True
    for kind, values in [*timings.items(), ("ALL", every)]:
        p95 = percentile(values, 95)
        ok = ok and p95 < 50
        _say(
            f"{kind:<18}{len(values):>6}{percentile(values, 50):>10.1f}{p95:>10.1f}"
            f"{percentile(values, 99):>10.1f}{max(values):>10.1f}"
        )
    return ok


async def explain(engine: AsyncEngine, queries: list[Query]) -> None:
    seen: set[str] = set()
    for kind, criteria in queries:
        if kind in seen:
            continue
        seen.add(kind)
        async with engine.begin() as conn:
            budget = await plan_search(conn, criteria, StatsCache())  # the same settings as the API
            statement = walk_statement(criteria, budget) if budget else search_statement(criteria)
            compiled = statement.compile(dialect=conn.dialect)
            args = tuple(compiled.params[name] for name in compiled.positiontup or ())
            plan = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + str(compiled), args)
            path = f"walk over the newest {budget}" if budget else "planner's choice"
            _say(f"--- {kind} ({path}): {criteria}\n" + "\n".join(str(row[0]) for row in plan))


async def load(url: str, count: int) -> None:
    from orderhub_devstack.bootstrap import asyncpg_dsn

    conn = await asyncpg.connect(asyncpg_dsn(url))
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 100_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            _say(f"loaded {done:>9,} orders ({rate:,.0f}/s)")

    try:
        # A GIN index is far cheaper to build once than to maintain row by row during the load.
        await conn.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        for index in GIN_INDEXES:
            await conn.execute(f"DROP INDEX IF EXISTS {index}")
        try:
            await search_data.load(conn, count, progress=progress)
        finally:
            _say("building the bigram GIN indexes (titles, receiver names) ...")
            for index, column in GIN_INDEXES.items():
                await conn.execute(f"CREATE INDEX IF NOT EXISTS {index} ON orders USING gin ({column})")
        _say("ANALYZE ...")
        await conn.execute("ANALYZE orders; ANALYZE order_items")
        sizes = await conn.fetchrow(
            "SELECT pg_size_pretty(pg_table_size('orders')) AS heap, "
            "pg_size_pretty(pg_relation_size('ix_orders_search_grams')) AS grams_gin, "
            "pg_size_pretty(pg_indexes_size('orders')) AS all_indexes"
        )
        _say(
            f"loaded in {time.perf_counter() - started:.0f} s; orders heap {sizes['heap']}, "
            f"all indexes {sizes['all_indexes']}, bigram GIN {sizes['grams_gin']}"
        )
    finally:
        await conn.close()


async def bench(url: str, args: argparse.Namespace) -> bool:
    from orderhub_runtime.db import make_engine
    from orderhub_runtime.migrations import upgrade_head

    await asyncio.to_thread(upgrade_head, "ingest", url)
    if not args.skip_load:
        await load(url, args.orders)
    engine = make_engine(url, pool_size=2)
    try:
        queries = build_queries(await _sample(engine), args.per_kind, random.Random(args.seed))
        _say(f"warming up, then {len(queries)} searches ...")
        await run_queries(engine, queries[: len(queries) // 5])
        if args.explain:
            await explain(engine, queries)
        return report(await run_queries(engine, queries))
    finally:
        await engine.dispose()


async def bench_embedded(args: argparse.Namespace) -> bool:
    from orderhub_devstack.bootstrap import bootstrap_database, service_passwords
    from orderhub_devstack.ports import free_port
    from orderhub_devstack.postgres import EmbeddedPostgres
    from orderhub_devstack.scratch import make_scratch_dir, remove_scratch_dir

    scratch = make_scratch_dir()
    try:
        postgres = EmbeddedPostgres(scratch / "postgres", free_port(), secrets.token_urlsafe(18))
        _say(f"starting embedded PostgreSQL in {scratch} ...")
        await postgres.start()
        urls = await bootstrap_database(postgres.admin_url, "orderhub", ["ingest"], service_passwords(["ingest"]))
        if args.keep:
            _say(f"keeping the database: --database-url {urls['ingest']} --skip-load; remove with --remove {scratch}")
        return await bench(urls["ingest"], args)
    finally:
        if not args.keep:
            await remove_scratch_dir(scratch)


async def bench_on_server(args: argparse.Namespace) -> bool:
    from orderhub_devstack.bootstrap import bootstrap_database, drop_database, service_passwords

    database = f"orderhub_bench_{secrets.token_hex(4)}"
    _say(f"creating database {database} ...")
    urls = await bootstrap_database(args.admin_url, database, ["ingest"], service_passwords(["ingest"]))
    try:
        return await bench(urls["ingest"], args)
    finally:
        if args.keep:
            _say(f"kept: --database-url {urls['ingest']} --skip-load")
        else:
            await drop_database(args.admin_url, database)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest.search_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--admin-url", help="superuser URL of a PostgreSQL server to create a database on")
    parser.add_argument("--database-url", help="ingest role URL on a scratch database; default: embedded")
    parser.add_argument("--per-kind", type=int, default=200, help="timed searches per query kind")
    parser.add_argument("--skip-load", action="store_true", help="search the orders already loaded")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of one search per kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (and embedded server) afterwards")
    parser.add_argument("--remove", metavar="DIR", help="stop and remove a database kept with --keep")
    args = parser.parse_args(argv)
    if args.skip_load and not args.database_url:
        parser.error("--skip-load needs --database-url")
    if args.remove:
        from orderhub_devstack.scratch import remove_scratch_dir

        asyncio.run(remove_scratch_dir(Path(args.remove)))
        return 0
    if args.database_url:
        ok = asyncio.run(bench(args.database_url, args))
    else:
        ok = asyncio.run(bench_on_server(args) if args.admin_url else bench_embedded(args))
    _say("p95 < 50 ms for every kind" if ok else "p95 >= 50 ms for some kind")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

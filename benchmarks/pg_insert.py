"""The machine's raw Postgres single-row insert rate (autocommit, one connection, a logged table so
every commit is flushed to the WAL like the services' commits), for scale."""

from __future__ import annotations

import time

import asyncpg


async def single_row_insert_rate(dsn: str, seconds: float = 5.0) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)")
        count = 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            await conn.execute("INSERT INTO bench_insert (payload) VALUES ($1)", "订单中枢 benchmark row")
            count += 1
        return count / (time.perf_counter() - started)
    finally:
        await conn.execute("DROP TABLE IF EXISTS bench_insert")
        await conn.close()

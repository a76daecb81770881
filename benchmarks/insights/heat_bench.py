"""The order heat analysis over a million orders: load them through the read model's own
statements, then time the analysis (all customers, one coupon, the coupon split) and the picture.

    uv run --no-sync python -m benchmarks.insights.heat_bench [--orders 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from insights.heat import picture, service
from insights.orders.model import Placement, customer_key
from insights.orders.repository import record_placements
from orderhub_contracts.timezone import SHANGHAI
from orderhub_devstack.bench_stack import private_stack
from orderhub_runtime.migrations import upgrade_head
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from benchmarks.pg_insert import single_row_insert_rate

START = datetime(2026, 1, 5, tzinfo=SHANGHAI)  # a year of orders, every window closed by now
COUPONS = ("满199减20", "店铺券10元", "平台券30元", "新人券5元")
CHUNK = 20_000


def _placements(count: int, seed: int = 1) -> list[Placement]:
    """About 1.6 orders per customer; a fifth of the customers come back within a week."""
    rng = random.Random(seed)
    out: list[Placement] = []
    customer = 0
    while len(out) < count:
        customer += 1
        key = customer_key(f"13{customer:09d}", "bench")
        first = START + timedelta(minutes=rng.randrange(300 * 24 * 60))
        used = (rng.choice(COUPONS),) if rng.random() < 0.3 else ()
        out.append(Placement(f"B{len(out)}", key, "taobao", first, used))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            later = first + timedelta(days=rng.uniform(0.2, 30))
            out.append(Placement(f"B{len(out)}", key, "douyin", later, ()))
    return out[:count]


async def _load(engine: AsyncEngine, placements: list[Placement]) -> float:
    started = time.perf_counter()
    for i in range(0, len(placements), CHUNK):
        async with engine.begin() as conn:
            await record_placements(conn, placements[i : i + CHUNK])
        print(f"  loaded {min(i + CHUNK, len(placements)):>9,} orders", flush=True)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE insights.customers")
    return time.perf_counter() - started


async def _timed(runs: int, work: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - started)
    return {"p50_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)}


async def run(orders: int, runs: int) -> dict[str, Any]:
    async with private_stack(db_name="orderhub_bench_insights", services=("insights",)) as stack:
        url = stack.info.service_database_urls["insights"]
        await asyncio.to_thread(upgrade_head, "insights", url)
        insert_rate = await single_row_insert_rate(stack.info.admin_url.replace("+asyncpg", ""))
        engine = create_async_engine(url)
        try:
            print(f"generating {orders:,} orders", flush=True)
            placements = _placements(orders)
            load_s = await _load(engine, placements)
            now = datetime.now(SHANGHAI)
            span = {"since": START, "until": START + timedelta(days=366), "now": now, "window_days": 7}

            async def heat(coupon: str | None = None) -> Any:
                async with engine.connect() as conn:
                    return await service.heat_map(conn, **span, min_customers=30, coupon=coupon)

            async def shares() -> Any:
                async with engine.connect() as conn:
                    return await service.coupon_shares(conn, **span)

            whole = await heat()
            results = {
                "orders": orders,
                "customers": whole.customers,
                "raw_pg_single_row_inserts_per_s": round(insert_rate),
                "load_orders_per_s": round(orders / load_s),
                "heat_all_customers": await _timed(runs, heat),
                "heat_one_coupon": await _timed(runs, lambda: heat(COUPONS[0])),
                "coupon_split": await _timed(runs, shares),
                "picture_png": await _timed(runs, lambda: asyncio.to_thread(picture.render, whole, "png")),
            }
        finally:
            await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(run(args.orders, args.runs))
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "insights-heat.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

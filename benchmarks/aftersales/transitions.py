"""`python -m benchmarks.aftersales` (`make bench-aftersales`): how many ticket transitions per
second the aftersales service handles on its own, and their latency, on a private embedded Postgres
and broker (needs the development environment: orderhub-devstack).

`--tickets` paid, shipped orders are loaded (with their SKUs' categories and a routing table of
`--agents` on-duty agents); then `--workers` concurrent clients walk one ticket each at a time
through the public API: the customer files it (routed to the least-loaded agent), the agent
approves it, the customer cancels it — three transitions, each a transaction with its events in the
outbox, while the service's relay publishes them to the broker. Reported: transitions/s over the
run, and p50/p95/p99/max latency per call (in-process ASGI, so no socket time)."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aftersales.customers import StaticSessions
from aftersales.main import create_app
from aftersales.refunds.providers import LocalRefunds
from aftersales.settings import AftersalesSettings
from orderhub_devstack.bench_stack import private_stack
from orderhub_devstack.bootstrap import asyncpg_dsn
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings

CUSTOMER = {"Authorization": "Bearer bench-customer"}
CS = {"Authorization": "Bearer local-cs"}
CATEGORIES = ("厨房电器", "生活电器", "个护电器", "清洁电器")


async def _load(info: StackInfo, tickets: int, agents: int) -> list[tuple[str, str]]:
    """Paid, shipped orders of one line each; answers (order_id, sku)."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["aftersales"]))
    try:
        skus = [f"BENCH-{i:03d}" for i in range(40)]
        await conn.executemany(
            "INSERT INTO aftersales.product_categories (sku, category, title, updated_at) VALUES ($1, $2, $1, $3)",
            [(sku, CATEGORIES[i % len(CATEGORIES)], now) for i, sku in enumerate(skus)],
        )
        routes = [(c, f"客服{a:02d}") for a in range(agents) for c in CATEGORIES]
        await conn.executemany("INSERT INTO aftersales.return_routes (category, agent) VALUES ($1, $2)", routes)
        await conn.executemany(
            "INSERT INTO aftersales.agents (agent) VALUES ($1)", [(f"客服{a:02d}",) for a in range(agents)]
        )
        orders = [(f"DABEB{i:012d}", skus[i % len(skus)]) for i in range(tickets)]
        await conn.executemany(
            """INSERT INTO aftersales.order_refs (order_id, channel, receiver_name, receiver_phone, items, placed_at,
                   channel_order_no, buyer_id, paid_fen, shipped_at)
               VALUES ($1, 'miniprogram', '张三', '13900000000', $2::jsonb, $3, $1, 'openid-bench', 17800, $3)""",
            [
                (order_id, json.dumps([{"sku": sku, "title": sku, "quantity": 2, "unit_price_fen": 8900}]), now)
                for order_id, sku in orders
            ],
        )
        return orders
    finally:
        await conn.close()


async def _walk(
    client: httpx.AsyncClient, queue: asyncio.Queue[tuple[str, str]], latencies: list[float], errors: list[str]
) -> None:
    async def call(path: str, body: dict[str, Any], headers: dict[str, str], expect: int) -> Any:
        started = time.perf_counter()
        response = await client.post(path, json=body, headers=headers)
        latencies.append(time.perf_counter() - started)
        if response.status_code != expect:
            errors.append(f"{path}: {response.status_code} {response.text[:120]}")
            return None
        return response.json()

    while True:
        try:
            order_id, sku = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        ask = {"order_id": order_id, "type": "return_refund", "lines": [{"sku": sku, "quantity": 1}], "reason": "压测"}
        filed = await call("/v1/miniprogram/returns", ask, CUSTOMER, 201)
        if filed is None:
            continue
        ticket = filed["ticket_id"]
        await call(f"/v1/returns/{ticket}/approve", {"note": ""}, CS, 200)
        await call(f"/v1/miniprogram/returns/{ticket}/cancel", {}, CUSTOMER, 200)


async def main(args: argparse.Namespace) -> None:
    async with private_stack(db_name="aftersales_bench", services=("aftersales",)) as bench:
        info = bench.info
        await asyncio.to_thread(upgrade_head, "aftersales", info.service_database_urls["aftersales"])
        orders = await _load(info, args.tickets, args.agents)
        settings = AftersalesSettings(
            database_url=info.service_database_urls["aftersales"], refund_interval_s=3600.0, db_pool_size=args.pool
        )
        runtime = RuntimeSettings(
            kafka_bootstrap_servers=info.kafka_bootstrap_servers,
            topic_prefix=info.topic_prefix,
            log_level=args.log_level,
            log_format="json",
        )
        app = create_app(
            settings, runtime, sessions=StaticSessions({"bench-customer": "openid-bench"}), refunds=LocalRefunds()
        )
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        for order in orders:
            queue.put_nowait(order)
        latencies: list[float] = []
        errors: list[str] = []
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://aftersales", timeout=30) as client:
                print(f"== {args.tickets} tickets × 3 transitions, {args.workers} clients", flush=True)
                started, cpu = time.perf_counter(), time.process_time()
                await asyncio.gather(*(_walk(client, queue, latencies, errors) for _ in range(args.workers)))
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        ordered = sorted(latencies)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

        result = {
            "transitions": len(latencies),
            "errors": len(errors),
            "first_errors": errors[:3],
            "seconds": round(elapsed, 2),
            "transitions_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
            "service_cpu_ms_per_transition": round(cpu / len(latencies) * 1000, 2),  # with the client's share
        }
        print(json.dumps(result, ensure_ascii=False), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.aftersales", description=__doc__)
    parser.add_argument("--tickets", type=int, default=3_000)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--pool", type=int, default=20, help="database pool size of the service")
    parser.add_argument("--log-level", default="WARNING", help="the service's log level (INFO logs every transition)")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()

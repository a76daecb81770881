"""`python -m rules.bench_service`: how many orders per second the rules service checks on its
own, on a private embedded Postgres and broker (needs the development environment:
orderhub-devstack).

A backlog of `order.placed` events (generated orders, each with a phone of its own, about a
fifth of them held by some rule) is put on the topic first; then the service starts and drains
it: every order recorded, evaluated with all rules and its context facts, its anomalies and its
order.validated / order.held written to the outbox. Reported: orders/s from the first order
recorded to the last, so start-up and the producer do not count; and the service process's CPU
time per order over the same span, which a busy machine does not inflate (Postgres and the
broker run in their own processes)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from orderhub_contracts.envelope import encode
from orderhub_contracts.events import OrderPlaced, to_envelope
from orderhub_contracts.topics import Topic, resolve_topic
from orderhub_devstack.bootstrap import asyncpg_dsn
from orderhub_devstack.ports import free_port
from orderhub_devstack.stack import LocalStack, StackConfig, StackInfo
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings

from rules.engine.bench import generate_orders
from rules.main import create_app
from rules.settings import RulesSettings


async def _backlog(info: StackInfo, count: int, seed: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=info.kafka_bootstrap_servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        topic = resolve_topic(Topic.ORDERS.value, info.topic_prefix)
        for i, order in enumerate(generate_orders(count, seed)):
            unique = order.model_copy(
                update={
                    "order_id": f"DABEB{i:09d}",
                    "receiver": order.receiver.model_copy(update={"phone": f"139{i:08d}"}),
                }
            )
            record = encode(to_envelope(OrderPlaced(order=unique), source="orderhub/bench", correlation_id="bench"))
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()


async def _drain(info: StackInfo, count: int, timeout_s: float) -> dict[str, Any]:
    url = info.service_database_urls["rules"]
    settings = RulesSettings(database_url=url, timer_poll_s=60.0)
    runtime = RuntimeSettings(kafka_bootstrap_servers=info.kafka_bootstrap_servers, topic_prefix=info.topic_prefix)
    app = create_app(settings, runtime)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with app.router.lifespan_context(app):
            first: float | None = None
            cpu_first = 0.0
            deadline = time.monotonic() + timeout_s
            done = 0
            while time.monotonic() < deadline:
                done = await conn.fetchval("SELECT count(*) FROM rules.orders")
                if done and first is None:
                    first, cpu_first = time.monotonic(), time.process_time()
                if done >= count:
                    break
                await asyncio.sleep(0.05)
            last, cpu_last = time.monotonic(), time.process_time()
            published = await conn.fetch("SELECT event_type, count(*) AS n FROM rules.outbox GROUP BY event_type")
    finally:
        await conn.close()
    elapsed = last - (first or last)
    return {
        "orders": count,
        "handled": done,
        "seconds": round(elapsed, 2),
        "orders_per_s": round(done / elapsed, 1) if elapsed else None,
        # This process's CPU per order (service + this loop): what the rate would be on a free core.
        "cpu_ms_per_order": round((cpu_last - cpu_first) * 1000 / done, 3) if done else None,
        "published": {row["event_type"]: row["n"] for row in published},
    }


async def main(args: argparse.Namespace) -> None:
    state = Path(tempfile.mkdtemp(prefix="rules-bench-", dir="/var/tmp"))
    os.chmod(state, 0o755)
    config = StackConfig(
        state_dir=state, pg_port=free_port(), broker_port=free_port(), db_name="rules_bench", services=("rules",)
    )
    stack = LocalStack(config)
    try:
        info = await stack.up()
        await asyncio.to_thread(upgrade_head, "rules", info.service_database_urls["rules"])
        print(f"== backlog: {args.orders} order.placed events", flush=True)
        await _backlog(info, args.orders, args.seed)
        print("== draining it with the rules service", flush=True)
        print(json.dumps(await _drain(info, args.orders, args.timeout), ensure_ascii=False), flush=True)
    finally:
        await stack.down()
        shutil.rmtree(state, ignore_errors=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m rules.bench_service", description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up draining after this many seconds")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()

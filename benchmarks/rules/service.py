"""`python -m benchmarks.rules.service`: how many orders per second the rules service checks on its
own, on a private embedded Postgres and broker (needs the development environment:
orderhub-devstack).

A backlog of `order.placed` events (generated orders, each with a phone of its own, about a
fifth of them held by some rule) is put on the topic first; then the service starts and drains
it: every order recorded, evaluated with all rules and its context facts, its anomalies and its
order.validated / order.held written to the outbox. Reported: orders/s from the first order
recorded to the last, so start-up and the producer do not count, and from the first order
recorded to the moment the relay has published every outcome event to the broker; and the
service's CPU time per order over the same spans (Postgres and the broker run in their own
processes).

By default the service runs in this process; `--processes N` runs N `python -m rules serve`
processes sharing the partitions, as a deployment scales out.

`--rate R [--seconds S]` is the open-loop variant: the service runs as its own process(es) and
orders are offered at R per second for S seconds; reported are the rate handled and each
order's latency from offer to its outcome event acknowledged by the broker (see
`benchmarks.rules.open_loop`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from orderhub_contracts.topics import Topic, resolve_topic
from orderhub_devstack.bench_stack import measure_drain, private_stack, process_cpu_seconds
from orderhub_devstack.bootstrap import asyncpg_dsn
from orderhub_devstack.ports import free_port
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.migrations import upgrade_head
from orderhub_runtime.settings import RuntimeSettings
from rules.main import create_app
from rules.settings import RulesSettings

from benchmarks.processes import service_env, service_processes, wait_ready
from benchmarks.rules.open_loop import bench_records, latencies, offer


async def _backlog(info: StackInfo, count: int, seed: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=info.kafka_bootstrap_servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        topic = resolve_topic(Topic.ORDERS.value, info.topic_prefix)
        for record in bench_records(count, seed):
            await producer.send(topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()


async def _open_loop(info: StackInfo, args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    """Orders offered at `args.rate` for `args.seconds` to a running service process."""
    records = bench_records(int(args.rate * args.seconds), args.seed, now=datetime.now(UTC))
    topic = resolve_topic(Topic.ORDERS.value, info.topic_prefix)
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["rules"]))
    try:
        async with _processes(info, max(args.processes, 1), log_dir) as cpu:
            await asyncio.sleep(2.0)  # ready, and the consumer joins its group just after start-up
            cpu_start = cpu()
            offered = await offer(info.kafka_bootstrap_servers, topic, records, args.rate)
            result = await latencies(conn, offered, args.timeout)
            result["cpu_ms_per_order"] = round((cpu() - cpu_start) * 1000 / len(records), 3)
    finally:
        await conn.close()
    return {"offered_rate_per_s": args.rate, "service_processes": max(args.processes, 1), **result}


@contextlib.asynccontextmanager
async def _in_process(info: StackInfo) -> AsyncIterator[Callable[[], float]]:
    """The service in this process; yields a clock of this process's CPU time."""
    url = info.service_database_urls["rules"]
    settings = RulesSettings(database_url=url, timer_poll_s=60.0)
    runtime = RuntimeSettings(kafka_bootstrap_servers=info.kafka_bootstrap_servers, topic_prefix=info.topic_prefix)
    app = create_app(settings, runtime)
    async with app.router.lifespan_context(app):
        yield time.process_time


@contextlib.asynccontextmanager
async def _processes(info: StackInfo, count: int, log_dir: Path) -> AsyncIterator[Callable[[], float]]:
    """`count` service processes (`python -m rules serve`, one consumer group sharing the
    partitions), each ready (its rule set seeded, consuming); yields a clock of their CPU time
    added up."""
    with service_processes("rules") as start:
        procs = []
        for n in range(count):
            port = free_port()
            settings = {
                "RULES_DATABASE_URL": info.service_database_urls["rules"],
                "RULES_HTTP_PORT": str(port),
                "RULES_TIMER_POLL_S": "60",
            }
            log_path = log_dir / f"rules.{n}.log"
            procs.append(start(service_env("rules", info, settings), log_path))
            await wait_ready(procs[-1], port, log_path)
        yield lambda: sum(process_cpu_seconds(p.pid) for p in procs)


async def _drain(info: StackInfo, count: int, timeout_s: float, processes: int, log_dir: Path) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["rules"]))
    service = _processes(info, processes, log_dir) if processes else _in_process(info)
    try:
        async with service as cpu:
            result = await measure_drain(
                conn,
                schema="rules",
                handled_query="SELECT count(*) FROM rules.orders",
                count=count,
                timeout_s=timeout_s,
                cpu=cpu,
            )
    finally:
        await conn.close()
    return {"service_processes": processes or "in-process", **result}


async def main(args: argparse.Namespace) -> None:
    async with private_stack(db_name="rules_bench", services=("rules",)) as bench:
        info, state = bench.info, bench.state_dir
        await asyncio.to_thread(upgrade_head, "rules", info.service_database_urls["rules"])
        if args.rate:
            print(f"== offering {args.rate:g} order.placed/s for {args.seconds:g} s to the rules service", flush=True)
            result = await _open_loop(info, args, state)
        else:
            print(f"== backlog: {args.orders} order.placed events", flush=True)
            await _backlog(info, args.orders, args.seed)
            print("== draining it with the rules service", flush=True)
            result = await _drain(info, args.orders, args.timeout, args.processes, state)
        print(json.dumps(result, ensure_ascii=False), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rules.service", description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up draining after this many seconds")
    parser.add_argument(
        "--processes", type=int, default=0, help="run N service processes (python -m rules serve) instead of in-process"
    )
    parser.add_argument("--rate", type=float, default=0.0, help="offer orders at this rate instead (open loop)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to offer at --rate")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()

"""`python -m benchmarks.fulfillment.tracking_bench` (`make bench-tracking`): 快递100 track pushes
accepted and applied by the fulfillment service on its own, on a private embedded Postgres and
broker (needs the development environment: orderhub-devstack).

The service runs as its own process (`python -m fulfillment`, configured for 快递100) with
`--waybills` parcels already dispatched. The load generator, in this process, POSTs signed pushes
(form `param` + `sign` = MD5(param + salt)) to `/webhooks/carriers/kuaidi100`, each carrying the
parcel's whole track with one checkpoint more than the last, so every push is applied: merged,
the shipment updated, shipment.tracking_updated (and at the end shipment.delivered) written to the
outbox in the same transaction, answered only after the commit.

1. Throughput: every push of every parcel as fast as `--connections` keep-alive connections go;
   pushes/s accepted, and the checkpoints in the database counted to prove each was applied.
2. Latency: `--rate` pushes/s for `--seconds` (open loop: a push is sent on schedule whether or
   not earlier ones were answered) on fresh parcels; p50/p99 push → shipment status updated
   (the answer comes after the commit)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from fulfillment.carriers.signing import callback_sign
from orderhub_devstack.bench_stack import private_stack, process_cpu_seconds
from orderhub_devstack.bootstrap import asyncpg_dsn
from orderhub_devstack.ports import free_port
from orderhub_devstack.stack import StackInfo
from orderhub_runtime.migrations import upgrade_head

from benchmarks.http_post import JsonPoster

SALT = "bench-salt"
SHANGHAI = ZoneInfo("Asia/Shanghai")
STEPS = (
    ("1", "揽收", "快件已揽收"),
    ("0", "在途", "快件已发往转运中心"),
    ("5", "派件", "快件正在派件"),
    ("3", "签收", "快件已签收"),
)
FORM = "application/x-www-form-urlencoded"


def waybill(phase: str, i: int) -> str:
    return f"78{phase}{i:010d}"


def push_body(number: str, steps: int, start: datetime) -> bytes:
    """The push after `steps` checkpoints, newest first, as 快递100 sends it."""
    data = []
    for n in range(steps):
        _, label, text = STEPS[n % len(STEPS)]
        stamp = (start + timedelta(minutes=10 * n)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        data.append({"time": stamp, "ftime": stamp, "context": f"{text}（第{n + 1}站）", "status": label})
    state = STEPS[(steps - 1) % len(STEPS)][0] if steps <= len(STEPS) else "0"
    last = {"state": state, "com": "zhongtong", "nu": number, "ischeck": "0", "data": list(reversed(data))}
    param = json.dumps({"status": "polling", "lastResult": last}, ensure_ascii=False)
    return urlencode({"param": param, "sign": callback_sign(param, SALT)}).encode()


async def dispatch(info: StackInfo, numbers: list[str]) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["fulfillment"]))
    try:
        now = datetime.now(UTC)
        await conn.executemany(
            "INSERT INTO fulfillment.shipments (waybill_no, order_id, outbound_id, carrier, provider, dispatched_at)"
            " VALUES ($1, $2, $3, 'zhongtong', 'kuaidi100', $4)",
            [(n, f"DABEB{n[-12:]}", f"OB{n[-12:]}", now) for n in numbers],
        )
    finally:
        await conn.close()


def _start(env: dict[str, str], log_path: str) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "fulfillment"], env=env, stdout=log, stderr=subprocess.STDOUT)


@contextlib.asynccontextmanager
async def service(info: StackInfo, port: int, log_path: str) -> AsyncIterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERHUB_", "FULFILLMENT_"))}
    env |= {
        "FULFILLMENT_DATABASE_URL": info.service_database_urls["fulfillment"],
        "FULFILLMENT_HTTP_PORT": str(port),
        "FULFILLMENT_CARRIER": "kuaidi100",
        "FULFILLMENT_KUAIDI100_SALT": SALT,
        "FULFILLMENT_TRACKING_QUERY_AFTER_S": str(30 * 24 * 3600),  # no active queries during the run
        "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS": info.kafka_bootstrap_servers,
        "ORDERHUB_TOPIC_PREFIX": info.topic_prefix,
        "ORDERHUB_ENV": "local",
        "ORDERHUB_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.to_thread(_start, env, log_path)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError(f"fulfillment did not become ready (log: {log_path})")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def throughput(url: str, numbers: list[str], connections: int) -> dict[str, float]:
    start = datetime.now(UTC) - timedelta(days=1)
    bodies = [push_body(n, step, start) for step in range(1, len(STEPS) + 1) for n in numbers]
    poster = JsonPoster(url, connections=connections, headers={})
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    failed = 0

    async def worker() -> None:
        nonlocal failed
        while not queue.empty():
            reply = await poster.post_body(queue.get_nowait(), FORM)
            failed += reply.status != 200

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    await poster.close()
    return {
        "pushes": len(bodies),
        "failed": failed,
        "seconds": round(elapsed, 2),
        "pushes_per_s": round(len(bodies) / elapsed),
    }


async def latency(url: str, numbers: list[str], rate: float, seconds: float) -> dict[str, float]:
    start = datetime.now(UTC) - timedelta(days=1)
    total = int(rate * seconds)
    bodies = [push_body(numbers[i % len(numbers)], 1 + i // len(numbers), start) for i in range(total)]
    poster = JsonPoster(url, connections=64, headers={})
    times: list[float] = []
    failed = 0

    async def one(body: bytes) -> None:
        nonlocal failed
        sent = time.perf_counter()
        reply = await poster.post_body(body, FORM)
        times.append(time.perf_counter() - sent)
        failed += reply.status != 200

    began = time.perf_counter()
    tasks = []
    for i, body in enumerate(bodies):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(body)))
    await asyncio.gather(*tasks)
    await poster.close()
    times.sort()
    return {
        "rate": rate,
        "pushes": total,
        "failed": failed,
        "p50_ms": round(times[len(times) // 2] * 1000, 1),
        "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1),
    }


async def applied(info: StackInfo) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_dsn(info.service_database_urls["fulfillment"]))
    try:
        checkpoints = await conn.fetchval("SELECT count(*) FROM fulfillment.shipment_checkpoints")
        delivered = await conn.fetchval("SELECT count(*) FROM fulfillment.shipments WHERE status = 'delivered'")
        events = await conn.fetchval("SELECT count(*) FROM fulfillment.outbox")
        return {"checkpoints": checkpoints, "delivered": delivered, "outbox_events": events}
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    async with private_stack(db_name="tracking_bench", services=("fulfillment",)) as bench:
        info = bench.info
        await asyncio.to_thread(upgrade_head, "fulfillment", info.service_database_urls["fulfillment"])
        first = [waybill("1", i) for i in range(args.waybills)]
        second = [waybill("2", i) for i in range(max(int(args.rate * args.seconds) // len(STEPS), 1))]
        await dispatch(info, first + second)
        port = free_port()
        url = f"http://127.0.0.1:{port}/webhooks/carriers/kuaidi100"
        async with service(info, port, str(bench.state_dir / "fulfillment.log")) as proc:
            cpu0 = process_cpu_seconds(proc.pid)
            result = await throughput(url, first, args.connections)
            result["service_cpu_ms_per_push"] = round(
                (process_cpu_seconds(proc.pid) - cpu0) * 1000 / result["pushes"], 2
            )
            print(json.dumps({"throughput": result, "applied": await applied(info)}, ensure_ascii=False), flush=True)
            print(json.dumps({"latency": await latency(url, second, args.rate, args.seconds)}), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fulfillment.tracking_bench", description=__doc__)
    parser.add_argument("--waybills", type=int, default=2_500, help="parcels of the throughput run (4 pushes each)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rate", type=float, default=200.0, help="pushes/s of the latency run")
    parser.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()

"""What the per-service benchmarks share: a private embedded PostgreSQL and broker for a run (a
fresh scratch directory and free ports, stopped and removed afterwards; a run that dies is
cleaned up by the next test session, like a test session's own), CPU clocks, and the
measurement of a service draining a backlog."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from orderhub_contracts.topics import SERVICES

from orderhub_devstack.ports import free_port
from orderhub_devstack.scratch import make_scratch_dir, remove_scratch_dir
from orderhub_devstack.stack import LocalStack, StackConfig, StackInfo


@dataclass(frozen=True)
class BenchStack:
    info: StackInfo
    state_dir: Path  # scratch space of the run (service logs go here), removed afterwards


@asynccontextmanager
async def private_stack(
    *, db_name: str = "orderhub_bench", services: tuple[str, ...] = SERVICES, topic_partitions: int = 6
) -> AsyncIterator[BenchStack]:
    state = make_scratch_dir()
    config = StackConfig(
        state_dir=state,
        pg_port=free_port(),
        broker_port=free_port(),
        db_name=db_name,
        services=services,
        topic_partitions=topic_partitions,
    )
    stack = LocalStack(config)
    try:
        yield BenchStack(await stack.up(), state)
    finally:
        await stack.down()
        await remove_scratch_dir(state)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc (Linux); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure_drain(
    conn: asyncpg.Connection,
    *,
    schema: str,
    handled_query: str,
    count: int,
    timeout_s: float,
    cpu: Callable[[], float],
) -> dict[str, Any]:
    """Watch a service drain a backlog of `count` items: `handled_query` counts those handled so
    far. Timed from the first one handled (start-up does not count) to the last, and on to the
    relay having published every outbox row of `schema` (kept up means published too); `cpu` is
    the service's CPU clock over the same spans."""
    first: float | None = None
    cpu_first = 0.0
    deadline = time.monotonic() + timeout_s
    done = 0
    while time.monotonic() < deadline:
        done = await conn.fetchval(handled_query)
        if done and first is None:
            first, cpu_first = time.monotonic(), cpu()
        if done >= count:
            break
        await asyncio.sleep(0.05)
    last, cpu_last = time.monotonic(), cpu()
    while time.monotonic() < deadline:
        if not await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL"):
            break
        await asyncio.sleep(0.05)
    relayed, cpu_relayed = time.monotonic(), cpu()
    published = await conn.fetch(f"SELECT event_type, count(*) AS n FROM {schema}.outbox GROUP BY event_type")
    elapsed = last - (first or last)
    elapsed_relayed = relayed - (first or relayed)
    return {
        "orders": count,
        "handled": done,
        "seconds": round(elapsed, 2),
        "orders_per_s": round(done / elapsed, 1) if elapsed else None,
        # The service's CPU per order: what one free core would sustain, whatever else the machine runs.
        "cpu_ms_per_order": round((cpu_last - cpu_first) * 1000 / done, 3) if done else None,
        # Up to the last event acknowledged by the broker (relay included).
        "seconds_until_published": round(elapsed_relayed, 2),
        "orders_per_s_published": round(done / elapsed_relayed, 1) if elapsed_relayed else None,
        "cpu_ms_per_order_published": round((cpu_relayed - cpu_first) * 1000 / done, 3) if done else None,
        "published": {row["event_type"]: row["n"] for row in published},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }

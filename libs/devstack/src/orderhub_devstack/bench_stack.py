"""A private embedded PostgreSQL and broker for a benchmark run: a fresh scratch directory and
free ports, stopped and removed afterwards (a run that dies is cleaned up by the next test
session, like a test session's own)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

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

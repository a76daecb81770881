"""A background round that fails is tried again at the next tick; the loop never ends by itself."""

from __future__ import annotations

import asyncio

from orderhub_runtime.loops import every


async def test_a_failed_round_is_retried_and_the_loop_goes_on() -> None:
    calls: list[int] = []
    third = asyncio.Event()

    async def work() -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            raise ConnectionError("database away")
        if len(calls) == 3:
            third.set()
        return 1

    task = asyncio.create_task(every(0.01, work, name="test.job"))
    await asyncio.wait_for(third.wait(), timeout=5)
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_an_interval_of_zero_switches_the_job_off() -> None:
    async def work() -> int:
        raise AssertionError("must not run")

    await asyncio.wait_for(every(0, work, name="test.off"), timeout=1)

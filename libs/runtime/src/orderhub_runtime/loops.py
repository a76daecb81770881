"""Background rounds: a service's periodic job (close unpaid orders, reconcile payments, ...) run
every `interval_s`, a failed round logged once and tried again at the next tick, never ending the
loop. An interval of 0 or less switches the job off."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from orderhub_runtime.logging import get_logger

log = get_logger(__name__)


async def every(interval_s: float, work: Callable[[], Awaitable[int]], *, name: str) -> None:
    """Run `work` every `interval_s` seconds; it answers how many things it did, logged as
    `<name>.round_done` when any (and `<name>.round_failed` with the error when it raises)."""
    if interval_s <= 0:
        return
    while True:
        await asyncio.sleep(interval_s)
        try:
            done = await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # e.g. the database away for a moment: the next round tries again
            log.warning(f"{name}.round_failed", error=repr(exc))
            continue
        if done:
            log.info(f"{name}.round_done", count=done)

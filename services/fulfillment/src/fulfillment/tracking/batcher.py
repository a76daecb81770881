"""Verified pushes from concurrent requests, applied together: each request waits for its push to
be committed (快递100 must not be told 成功 before that), and while a run's transaction is running
the next pushes gather for the following one (two runs are in flight at once). A run costs one
transaction and a handful of statements (`service.accept_pushes`), not one per push. A run that
fails is replayed one push per transaction, so one bad push fails only its own request (answered
500: the carrier retries)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database
from orderhub_runtime.logging import get_logger

from fulfillment.carriers.tracking import TrackReport
from fulfillment.tracking import service
from fulfillment.tracking.model import ApplyResult

log = get_logger(__name__)
_Item = tuple[TrackReport, str, "asyncio.Future[ApplyResult]"]


class PushBatcher:
    def __init__(self, provider: str, complete_after: timedelta, *, max_run: int = 200, runs: int = 2) -> None:
        self.provider = provider
        self._complete_after = complete_after
        self._max_run = max_run
        self._runs = runs  # runs in flight at once (their parcels are locked in waybill order: no deadlock)
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()

    async def submit(self, report: TrackReport, body: str) -> ApplyResult:
        """Apply the push (with others arriving meanwhile); returns once it is committed."""
        future: asyncio.Future[ApplyResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((report, body, future))
        return await future

    async def run(self, db: Database) -> None:
        await asyncio.gather(*(self._loop(db) for _ in range(self._runs)))

    async def _loop(self, db: Database) -> None:
        while True:
            items = [await self._queue.get()]
            while len(items) < self._max_run and not self._queue.empty():
                items.append(self._queue.get_nowait())
            await self._apply(db, items)

    async def _apply(self, db: Database, items: list[_Item]) -> None:
        pushes = [(report, body) for report, body, _ in items]
        try:
            results = await db.run_in_transaction(
                lambda tx: service.accept_pushes(tx, self.provider, pushes, self._complete_after)
            )
        except Exception as exc:
            log.warning("carrier.push_run_failed", pushes=len(items), error=repr(exc))
            for report, body, future in items:
                await self._apply_one(db, report, body, future)
            return
        for (_, _, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _apply_one(
        self, db: Database, report: TrackReport, body: str, future: asyncio.Future[ApplyResult]
    ) -> None:
        try:
            result = await db.run_in_transaction(
                lambda tx: service.accept_pushes(tx, self.provider, [(report, body)], self._complete_after)
            )
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result[0])


def push_task(batcher: PushBatcher) -> Callable[[ServiceContext[Any]], Coroutine[Any, Any, None]]:
    async def apply_pushes(ctx: ServiceContext[Any]) -> None:
        await batcher.run(ctx.db)

    return apply_pushes

"""Firing due timers: the background loop the app runs (`ServiceSpec.background`) and one round.

Each round claims a batch of due timers in one transaction, checks each order against the
rules of the timer's trigger, and marks the timers fired; effects, outbox rows and the fired
mark commit together. An error rolls the whole round back: the timers stay due and are retried
after a pause, never half-fired."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from orderhub_runtime.app import ServiceContext
from orderhub_runtime.db import Database, Tx
from orderhub_runtime.logging import get_logger

from rules.deps import RulesDeps
from rules.orders import repository as orders
from rules.orders.service import check
from rules.timers import repository as timers
from rules.timers.model import DueTimer, TimerKind, minutes_between

log = get_logger(__name__)
BATCH = 100


def timer_task(deps: RulesDeps) -> Callable[[ServiceContext[RulesDeps]], Coroutine[Any, Any, None]]:
    """The loop: a round, then a pause unless the round was full (more are due right now)."""

    async def fire_timers(ctx: ServiceContext[RulesDeps]) -> None:
        while True:
            try:
                fired = await fire_due(ctx.db, deps)
            except Exception as exc:  # the round rolled back; the timers are still due
                log.error("timers.round_failed", error=repr(exc))
                fired = 0
            if fired < BATCH:
                await asyncio.sleep(deps.settings.timer_poll_s)

    return fire_timers


async def fire_due(db: Database, deps: RulesDeps, now: datetime | None = None) -> int:
    """Fire the timers due at `now`; returns how many fired."""
    async with db.transaction() as tx:
        due = await timers.claim_due(tx.conn, now or datetime.now(UTC), BATCH)
        for timer in due:
            await _fire(tx, deps, timer, now or datetime.now(UTC))
            await timers.mark_fired(tx.conn, timer)
    if due:
        log.info("timers.fired", count=len(due), kinds=sorted({t.kind.value for t in due}))
    return len(due)


async def _fire(tx: Tx, deps: RulesDeps, timer: DueTimer, now: datetime) -> None:
    record = await orders.lock(tx.conn, timer.order_id)
    if record is None or record.cancelled_at is not None:
        return
    extra: dict[str, Any]
    if timer.kind is TimerKind.PAYMENT_OVERDUE:
        if record.paid:
            return
        extra = {"unpaid_minutes": minutes_between(record.order.created_at, now)}
    elif timer.kind is TimerKind.SHIP_DEADLINE:
        extra = {"minutes_to_ship_deadline": minutes_between(now, timer.reference_at)}
    else:
        if record.delivered_at is not None:
            return
        extra = {"hours_since_tracking_update": minutes_between(timer.reference_at, now) // 60}
    await check(tx, deps, record, timer.kind.value, extra)

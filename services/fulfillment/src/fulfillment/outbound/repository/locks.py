"""Per-order serialisation. Every use case that changes an order's fulfillment state takes the
order's transaction-scoped advisory lock first, so a release, a hold, a cancellation and a
stock raise touching the same order never interleave (e.g. reserve it twice).

Lock order: order lock, then stock rows. A stock raise already holds stock rows when it
reaches a waiting order, so it only *tries* the order lock and skips an order that someone
else is handling right now."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# The two-key form keeps these apart from single-key advisory locks (e.g. the outbox relay's).
_NAMESPACE = "fulfillment.order"


async def lock_order(conn: AsyncConnection, order_id: str) -> None:
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:ns), hashtext(:order_id))"),
        {"ns": _NAMESPACE, "order_id": order_id},
    )


async def lock_orders(conn: AsyncConnection, order_ids: Iterable[str]) -> None:
    """Several orders' locks in one round trip, in order ID order so that two transactions
    locking overlapping sets cannot deadlock each other."""
    wanted = sorted(set(order_ids))
    if wanted:
        await conn.execute(
            text(
                # unnest yields the array's order, so the locks are taken in it.
                "SELECT pg_advisory_xact_lock(hashtext(:ns), hashtext(o.id))"
                " FROM unnest(CAST(:order_ids AS text[])) AS o(id)"
            ),
            {"ns": _NAMESPACE, "order_ids": wanted},
        )


async def try_lock_order(conn: AsyncConnection, order_id: str) -> bool:
    result = await conn.execute(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:ns), hashtext(:order_id))"),
        {"ns": _NAMESPACE, "order_id": order_id},
    )
    return bool(result.scalar_one())

"""Use cases of the heat analysis. Only customers whose repurchase window has closed count:
a customer who first ordered yesterday cannot have repurchased within 7 days yet."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from insights.heat import repository
from insights.heat.model import CouponShare, HeatMap


def closed_until(until: datetime, now: datetime, window_days: int) -> datetime:
    return min(until, now - timedelta(days=window_days))


async def heat_map(
    conn: AsyncConnection,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    window_days: int,
    min_customers: int,
    coupon: str | None = None,
) -> HeatMap:
    until = closed_until(until, now, window_days)
    found = await repository.cells(conn, since, until, window_days, coupon) if until > since else []
    return HeatMap(coupon, window_days, min_customers, since, until, tuple(found))


async def coupon_shares(
    conn: AsyncConnection, *, since: datetime, until: datetime, now: datetime, window_days: int
) -> list[CouponShare]:
    until = closed_until(until, now, window_days)
    return await repository.coupon_shares(conn, since, until, window_days) if until > since else []

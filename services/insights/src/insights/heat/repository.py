"""SQL of the heat analysis: a GROUP BY over each customer's first order (one row a customer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from insights.heat.model import NO_COUPON, Cell, CouponShare

_FIRSTS = """
WITH firsts AS (
    SELECT first_at AT TIME ZONE 'Asia/Shanghai' AS local_at,
           next_at > first_at AND next_at <= first_at + make_interval(days => :days) AS again,
           CASE WHEN cardinality(first_coupons) = 0 THEN ARRAY[:none] ELSE first_coupons END AS coupons
    FROM insights.customers
    WHERE first_at >= :since AND first_at < :until
)
"""

_CELLS = text(
    _FIRSTS
    + """
SELECT CAST(extract(isodow FROM local_at) AS int) AS weekday, CAST(extract(hour FROM local_at) AS int) AS hour,
       count(*) AS customers, count(*) FILTER (WHERE again) AS repurchased
FROM firsts WHERE CAST(:coupon AS text) IS NULL OR CAST(:coupon AS text) = ANY(coupons)
GROUP BY 1, 2 ORDER BY 1, 2
"""
)

_COUPONS = text(
    _FIRSTS
    + """
SELECT coupon, count(*) AS customers, count(*) FILTER (WHERE again) AS repurchased
FROM firsts, unnest(coupons) AS coupon
GROUP BY coupon ORDER BY count(*) DESC, coupon
"""
)


def _params(since: datetime, until: datetime, days: int) -> dict[str, object]:
    return {"since": since, "until": until, "days": days, "none": NO_COUPON}


async def cells(conn: AsyncConnection, since: datetime, until: datetime, days: int, coupon: str | None) -> list[Cell]:
    rows = await conn.execute(_CELLS, {**_params(since, until, days), "coupon": coupon})
    return [Cell(**row) for row in rows.mappings()]


async def coupon_shares(conn: AsyncConnection, since: datetime, until: datetime, days: int) -> list[CouponShare]:
    rows = await conn.execute(_COUPONS, _params(since, until, days))
    return [CouponShare(**row) for row in rows.mappings()]

"""SQL of the order read model: orders placed, and each customer's first and next order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from insights.orders.model import Placement

_INSERT_ORDERS = text(
    """
INSERT INTO insights.orders (order_id, customer_key, channel, created_at, coupons)
SELECT o.order_id, o.customer_key, o.channel, o.created_at, CAST(string_to_array(o.coupons, chr(31)) AS text[])
FROM unnest(
    CAST(:order_ids AS text[]), CAST(:keys AS text[]), CAST(:channels AS text[]),
    CAST(:created AS timestamptz[]), CAST(:coupons AS text[])
) AS o(order_id, customer_key, channel, created_at, coupons)
ON CONFLICT (order_id) DO NOTHING
"""
)

# Recomputed from the customer's orders rather than patched, so that events arriving out of
# order (a later order seen before an earlier one) still give the right first and next order.
_REFRESH_CUSTOMERS = text(
    """
WITH ranked AS (
    SELECT customer_key, order_id, created_at, coupons,
           row_number() OVER (PARTITION BY customer_key ORDER BY created_at, order_id) AS n
    FROM insights.orders WHERE customer_key = ANY(CAST(:keys AS text[]))
)
INSERT INTO insights.customers (customer_key, first_order_id, first_at, first_coupons, next_at)
SELECT f.customer_key, f.order_id, f.created_at, f.coupons, s.created_at
FROM ranked f LEFT JOIN ranked s ON s.customer_key = f.customer_key AND s.n = 2
WHERE f.n = 1
ON CONFLICT (customer_key) DO UPDATE SET
    first_order_id = excluded.first_order_id, first_at = excluded.first_at,
    first_coupons = excluded.first_coupons, next_at = excluded.next_at
"""
)


async def record_placements(conn: AsyncConnection, placements: Sequence[Placement]) -> None:
    if not placements:
        return
    await conn.execute(
        _INSERT_ORDERS,
        {
            "order_ids": [p.order_id for p in placements],
            "keys": [p.customer_key for p in placements],
            "channels": [p.channel for p in placements],
            "created": [p.created_at for p in placements],
            # chr(31) (unit separator) cannot appear in a coupon label typed by a person.
            "coupons": ["\x1f".join(p.coupons) for p in placements],
        },
    )
    await conn.execute(_REFRESH_CUSTOMERS, {"keys": sorted({p.customer_key for p in placements})})

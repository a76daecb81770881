"""Context facts at placement, from the rules schema: per-phone daily counts of limited SKUs
(R05), the nearest same order (R07), the blacklist (R13) and unserved regions (R08).

`record_placement` runs once per order (the caller has just inserted the order row, so a
redelivered placement never counts twice). It records the order's counts, fingerprint and first
timers (R04 or R16) and reads every fact in one statement: one round trip per order, whatever
the lists hold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import normalize_phone
from orderhub_contracts.timezone import as_shanghai
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.timers import TimerKind

_SPACES = re.compile(r"\s+")
SAME_ORDER_LOOKBACK_S = 24 * 3600  # R07 looks this far either side; the rule decides what is "duplicate"

# The blacklist and unserved-region facts, read at placement and again when the receiver changes.
_LIST_COLUMNS = """
    EXISTS (
        SELECT 1 FROM rules.blacklist
        WHERE CAST(:phone AS text) <> '' AND kind = 'phone' AND value = CAST(:phone AS text)
    ) AS phone_blacklisted,
    EXISTS (
        SELECT 1 FROM rules.blacklist WHERE kind = 'address' AND value = CAST(:address AS text)
    ) AS address_blacklisted,
    EXISTS (
        SELECT 1 FROM rules.unserved_regions
        WHERE CAST(:province AS text) <> '' AND province = CAST(:province AS text)
          AND city IN (CAST(:city AS text), '') AND district IN (CAST(:district AS text), '')
    ) AS region_not_served
"""

# Data-modifying CTEs: the counts come back from the upsert itself; the fingerprint insert is
# not visible to the gap query (same snapshot), which excludes this order anyway. An empty
# phone counts nothing and matches no duplicate and no blacklisted phone.
_PLACEMENT = text(
    """
WITH limited AS (
    SELECT sku FROM rules.limited_skus WHERE sku = ANY(CAST(:skus AS text[]))
), counted AS (
    INSERT INTO rules.phone_sku_days (phone, sku, day, order_count)
    SELECT CAST(:phone AS text), s, CAST(:day AS date), 1
    FROM unnest(CAST(:skus AS text[])) AS s
    WHERE CAST(:phone AS text) <> ''
    ON CONFLICT (phone, sku, day) DO UPDATE SET order_count = rules.phone_sku_days.order_count + 1
    RETURNING sku, order_count
), fingerprint AS (
    INSERT INTO rules.order_fingerprints (order_id, phone, sku_key, created_at)
    SELECT CAST(:order_id AS text), CAST(:phone AS text), CAST(:sku_key AS text), CAST(:created_at AS timestamptz)
    WHERE CAST(:phone AS text) <> ''
    ON CONFLICT DO NOTHING
), armed AS (
    INSERT INTO rules.timers (order_id, kind, due_at, reference_at)
    SELECT CAST(:order_id AS text), t.kind, t.due_at, t.reference_at
    FROM unnest(
        CAST(:timer_kinds AS text[]), CAST(:timer_due AS timestamptz[]), CAST(:timer_reference AS timestamptz[])
    ) AS t(kind, due_at, reference_at)
    ON CONFLICT DO NOTHING
)
SELECT
    ARRAY(SELECT sku FROM limited ORDER BY sku) AS limited,
    COALESCE((SELECT max(c.order_count) FROM counted c JOIN limited l ON l.sku = c.sku), 0) AS max_limited,
    (
        SELECT min(abs(extract(epoch FROM f.created_at - CAST(:created_at AS timestamptz))))
        FROM rules.order_fingerprints f
        WHERE CAST(:phone AS text) <> '' AND f.phone = CAST(:phone AS text) AND f.sku_key = CAST(:sku_key AS text)
          AND f.order_id <> CAST(:order_id AS text)
          AND f.created_at BETWEEN CAST(:created_at AS timestamptz) - make_interval(secs => :lookback)
                               AND CAST(:created_at AS timestamptz) + make_interval(secs => :lookback)
    ) AS gap_s,"""
    + _LIST_COLUMNS
)


# The lists alone, for an order already recorded whose receiver changed (nothing is counted).
_LISTS = text("SELECT" + _LIST_COLUMNS)


def normalise_address(address: str) -> str:
    """How addresses are compared with the blacklist: whitespace removed."""
    return _SPACES.sub("", address)


def sku_key(skus: list[str]) -> str:
    return "|".join(sorted(set(skus)))


def _receiver_params(order: CanonicalOrder, facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "phone": normalize_phone(order.receiver.phone),
        "address": normalise_address(order.receiver.full_address),
        "province": facts["province_resolved"],
        "city": facts["city_resolved"],
        "district": facts["district_resolved"],
    }


async def receiver_lists(conn: AsyncConnection, order: CanonicalOrder, facts: dict[str, Any]) -> dict[str, Any]:
    """Blacklist and unserved-region facts of the order's (changed) receiver."""
    row = (await conn.execute(_LISTS, _receiver_params(order, facts))).one()
    return {
        "phone_blacklisted": bool(row.phone_blacklisted),
        "address_blacklisted": bool(row.address_blacklisted),
        "region_not_served": bool(row.region_not_served),
    }


@dataclass(frozen=True, slots=True)
class NewTimer:
    kind: TimerKind
    due_at: datetime
    reference_at: datetime


async def record_placement(
    conn: AsyncConnection, order: CanonicalOrder, facts: dict[str, Any], new_timers: list[NewTimer]
) -> dict[str, Any]:
    """Record this order's counts, fingerprint and first timers; return its context facts."""
    skus: list[str] = facts["skus"]
    params = {
        **_receiver_params(order, facts),
        "timer_kinds": [t.kind.value for t in new_timers],
        "timer_due": [t.due_at for t in new_timers],
        "timer_reference": [t.reference_at for t in new_timers],
        "skus": skus,
        "day": as_shanghai(order.created_at).date(),
        "order_id": order.order_id,
        "sku_key": sku_key(skus),
        "created_at": order.created_at,
        "lookback": float(SAME_ORDER_LOOKBACK_S),
    }
    row = (await conn.execute(_PLACEMENT, params)).one()
    return {
        "limited_skus_in_order": list(row.limited),
        "max_limited_sku_orders_today": int(row.max_limited),
        "same_order_gap_minutes": -1 if row.gap_s is None else int(row.gap_s) // 60,
        "phone_blacklisted": bool(row.phone_blacklisted),
        "address_blacklisted": bool(row.address_blacklisted),
        "region_not_served": bool(row.region_not_served),
    }

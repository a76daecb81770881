"""Context facts at placement, from the rules schema: per-phone daily counts of limited SKUs
(R05), the nearest same order (R07), the blacklist (R13) and unserved regions (R08).

`record_placements` runs once per order (the caller has just inserted the order rows, so a
redelivered placement never counts twice). It records the orders' counts, fingerprints and first
timers (R04 or R16) and reads every fact in one statement per wave of orders with distinct
phones: usually one round trip for a whole consumer batch, whatever the lists hold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import normalize_phone
from orderhub_contracts.timezone import as_shanghai
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.timers.model import TimerKind

_SPACES = re.compile(r"\s+")
SAME_ORDER_LOOKBACK_S = 24 * 3600  # R07 looks this far either side; the rule decides what is "duplicate"


def _list_columns(phone: str, address: str, province: str, city: str, district: str) -> str:
    """The blacklist and unserved-region facts over the given SQL expressions, read at placement
    and again when the receiver changes."""
    return f"""
    EXISTS (
        SELECT 1 FROM rules.blacklist WHERE {phone} <> '' AND kind = 'phone' AND value = {phone}
    ) AS phone_blacklisted,
    EXISTS (
        SELECT 1 FROM rules.blacklist WHERE kind = 'address' AND value = {address}
    ) AS address_blacklisted,
    EXISTS (
        SELECT 1 FROM rules.unserved_regions
        WHERE {province} <> '' AND province = {province}
          AND city IN ({city}, '') AND district IN ({district}, '')
    ) AS region_not_served
"""


# A wave of placements, set-based: no two orders of a wave share a phone, so each counted row
# and each fingerprint belongs to one order of the wave, exactly as if they were placed one by
# one. Data-modifying CTEs: the counts come back from the upsert itself; the fingerprints
# inserted here are not visible to the gap query (same snapshot), which excludes each order's
# own anyway. An empty phone counts nothing and matches no duplicate and no blacklisted phone.
_PLACEMENTS = text(
    """
WITH o AS (
    SELECT * FROM unnest(
        CAST(:order_ids AS text[]), CAST(:phones AS text[]), CAST(:days AS date[]), CAST(:sku_keys AS text[]),
        CAST(:created_ats AS timestamptz[]), CAST(:addresses AS text[]), CAST(:provinces AS text[]),
        CAST(:cities AS text[]), CAST(:districts AS text[])
    ) AS o(order_id, phone, day, sku_key, created_at, address, province, city, district)
), s AS (
    SELECT DISTINCT * FROM unnest(CAST(:sku_orders AS text[]), CAST(:skus AS text[])) AS s(order_id, sku)
), limited AS (
    SELECT s.order_id, s.sku FROM s JOIN rules.limited_skus l ON l.sku = s.sku
), counted AS (
    INSERT INTO rules.phone_sku_days (phone, sku, day, order_count)
    SELECT o.phone, s.sku, o.day, 1 FROM s JOIN o USING (order_id) WHERE o.phone <> ''
    ON CONFLICT (phone, sku, day) DO UPDATE SET order_count = rules.phone_sku_days.order_count + 1
    RETURNING phone, sku, order_count
), fingerprint AS (
    INSERT INTO rules.order_fingerprints (order_id, phone, sku_key, created_at)
    SELECT order_id, phone, sku_key, created_at FROM o WHERE phone <> ''
    ON CONFLICT DO NOTHING
), armed AS (
    INSERT INTO rules.timers (order_id, kind, due_at, reference_at)
    SELECT * FROM unnest(
        CAST(:timer_orders AS text[]), CAST(:timer_kinds AS text[]),
        CAST(:timer_due AS timestamptz[]), CAST(:timer_reference AS timestamptz[])
    )
    ON CONFLICT DO NOTHING
)
SELECT
    o.order_id,
    ARRAY(SELECT l.sku FROM limited l WHERE l.order_id = o.order_id ORDER BY l.sku) AS limited,
    COALESCE((
        SELECT max(c.order_count) FROM counted c JOIN limited l ON l.sku = c.sku
        WHERE l.order_id = o.order_id AND c.phone = o.phone
    ), 0) AS max_limited,
    (
        SELECT min(abs(extract(epoch FROM f.created_at - o.created_at)))
        FROM rules.order_fingerprints f
        WHERE o.phone <> '' AND f.phone = o.phone AND f.sku_key = o.sku_key AND f.order_id <> o.order_id
          AND f.created_at BETWEEN o.created_at - make_interval(secs => :lookback)
                               AND o.created_at + make_interval(secs => :lookback)
    ) AS gap_s,"""
    + _list_columns("o.phone", "o.address", "o.province", "o.city", "o.district")
    + "FROM o"
)


# The lists alone, for an order already recorded whose receiver changed (nothing is counted).
_LISTS = text(
    "SELECT"
    + _list_columns(
        "CAST(:phone AS text)",
        "CAST(:address AS text)",
        "CAST(:province AS text)",
        "CAST(:city AS text)",
        "CAST(:district AS text)",
    )
)


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


@dataclass(frozen=True, slots=True)
class Placement:
    """An order being placed, with its own facts and the timers it starts with."""

    order: CanonicalOrder
    facts: dict[str, Any]
    timers: list[NewTimer]


async def record_placements(conn: AsyncConnection, placements: Sequence[Placement]) -> list[dict[str, Any]]:
    """Record each order's counts, fingerprint and first timers; return each one's context facts,
    in the order given. Orders sharing a phone go in successive waves (one statement each), so a
    later order sees the earlier ones' counts as if they had been placed one by one."""
    results: dict[str, dict[str, Any]] = {}
    for wave in _waves(placements):
        rows = (await conn.execute(_PLACEMENTS, _wave_params(wave))).all()
        for row in rows:
            results[row.order_id] = {
                "limited_skus_in_order": list(row.limited),
                "max_limited_sku_orders_today": int(row.max_limited),
                "same_order_gap_minutes": -1 if row.gap_s is None else int(row.gap_s) // 60,
                "phone_blacklisted": bool(row.phone_blacklisted),
                "address_blacklisted": bool(row.address_blacklisted),
                "region_not_served": bool(row.region_not_served),
            }
    return [results[p.order.order_id] for p in placements]


def _waves(placements: Sequence[Placement]) -> list[list[Placement]]:
    """The n-th order of a phone goes in wave n; orders without a phone all go in the first."""
    waves: list[list[Placement]] = []
    seen: dict[str, int] = {}
    for placement in placements:
        phone = normalize_phone(placement.order.receiver.phone)
        index = seen.get(phone, 0) if phone else 0
        if phone:
            seen[phone] = index + 1
        if index == len(waves):
            waves.append([])
        waves[index].append(placement)
    return waves


def _wave_params(wave: list[Placement]) -> dict[str, Any]:
    receivers = [_receiver_params(p.order, p.facts) for p in wave]
    sku_orders: list[str] = []
    skus: list[str] = []
    timers: list[tuple[str, NewTimer]] = []
    for p in wave:
        own: list[str] = p.facts["skus"]
        sku_orders.extend([p.order.order_id] * len(own))
        skus.extend(own)
        timers.extend((p.order.order_id, t) for t in p.timers)
    return {
        "order_ids": [p.order.order_id for p in wave],
        "phones": [r["phone"] for r in receivers],
        "days": [as_shanghai(p.order.created_at).date() for p in wave],
        "sku_keys": [sku_key(p.facts["skus"]) for p in wave],
        "created_ats": [p.order.created_at for p in wave],
        "addresses": [r["address"] for r in receivers],
        "provinces": [r["province"] for r in receivers],
        "cities": [r["city"] for r in receivers],
        "districts": [r["district"] for r in receivers],
        "sku_orders": sku_orders,
        "skus": skus,
        "timer_orders": [order_id for order_id, _ in timers],
        "timer_kinds": [t.kind.value for _, t in timers],
        "timer_due": [t.due_at for _, t in timers],
        "timer_reference": [t.reference_at for _, t in timers],
        "lookback": float(SAME_ORDER_LOOKBACK_S),
    }

"""Context facts at placement, from the rules schema: per-phone daily counts of limited SKUs
(R05), the nearest same order (R07), the blacklist (R13) and unserved regions (R08).

`record_placement` runs once per order (the caller has just inserted the order row, so a
redelivered placement never counts twice) and both records the order and reads the facts."""

from __future__ import annotations

import re
from typing import Any

from orderhub_contracts.order import CanonicalOrder
from orderhub_contracts.phone import normalize_phone
from orderhub_contracts.timezone import as_shanghai
from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.tables import blacklist, limited_skus, order_fingerprints, phone_sku_days, unserved_regions

_SPACES = re.compile(r"\s+")
SAME_ORDER_LOOKBACK_S = 24 * 3600  # R07 looks this far either side; the rule decides what is "duplicate"


def normalise_address(address: str) -> str:
    """How addresses are compared with the blacklist: whitespace removed."""
    return _SPACES.sub("", address)


def sku_key(skus: list[str]) -> str:
    return "|".join(sorted(set(skus)))


async def record_placement(conn: AsyncConnection, order: CanonicalOrder, facts: dict[str, Any]) -> dict[str, Any]:
    """Record this order's counts and fingerprint; return its context facts."""
    phone = normalize_phone(order.receiver.phone)
    skus: list[str] = facts["skus"]
    context: dict[str, Any] = {}
    limited = list((await conn.execute(select(limited_skus.c.sku).where(limited_skus.c.sku.in_(skus)))).scalars())
    context["limited_skus_in_order"] = sorted(limited)
    context["max_limited_sku_orders_today"] = 0
    if phone:
        counts = await _count_today(conn, phone, skus, order)
        context["max_limited_sku_orders_today"] = max((counts[s] for s in limited), default=0)
        context["same_order_gap_minutes"] = await _same_order_gap(conn, phone, skus, order)
    context.update(await _blacklisted(conn, phone, normalise_address(order.receiver.full_address)))
    context["region_not_served"] = await _unserved(
        conn, facts["province_resolved"], facts["city_resolved"], facts["district_resolved"]
    )
    return context


async def _count_today(conn: AsyncConnection, phone: str, skus: list[str], order: CanonicalOrder) -> dict[str, int]:
    """Count this order for every SKU it has (so a SKU limited later in the day counts right)."""
    day = as_shanghai(order.created_at).date()
    stmt = pg_insert(phone_sku_days).values([{"phone": phone, "sku": s, "day": day, "order_count": 1} for s in skus])
    stmt = stmt.on_conflict_do_update(
        index_elements=["phone", "sku", "day"], set_={"order_count": phone_sku_days.c.order_count + 1}
    ).returning(phone_sku_days.c.sku, phone_sku_days.c.order_count)
    return {row.sku: row.order_count for row in await conn.execute(stmt)}


async def _same_order_gap(conn: AsyncConnection, phone: str, skus: list[str], order: CanonicalOrder) -> int:
    key = sku_key(skus)
    await conn.execute(
        pg_insert(order_fingerprints)
        .values(order_id=order.order_id, phone=phone, sku_key=key, created_at=order.created_at)
        .on_conflict_do_nothing()
    )
    t = order_fingerprints
    gap = func.abs(func.extract("epoch", t.c.created_at - literal(order.created_at)))
    window = func.make_interval(0, 0, 0, 0, 0, 0, SAME_ORDER_LOOKBACK_S)
    query = select(func.min(gap)).where(
        t.c.phone == phone,
        t.c.sku_key == key,
        t.c.order_id != order.order_id,
        t.c.created_at.between(literal(order.created_at) - window, literal(order.created_at) + window),
    )
    seconds = (await conn.execute(query)).scalar()
    return -1 if seconds is None else int(seconds) // 60


async def _blacklisted(conn: AsyncConnection, phone: str, address: str) -> dict[str, bool]:
    conditions = [and_(blacklist.c.kind == "address", blacklist.c.value == address)]
    if phone:
        conditions.append(and_(blacklist.c.kind == "phone", blacklist.c.value == phone))
    kinds = set((await conn.execute(select(blacklist.c.kind).where(or_(*conditions)))).scalars())
    return {"phone_blacklisted": "phone" in kinds, "address_blacklisted": "address" in kinds}


async def _unserved(conn: AsyncConnection, province: str, city: str, district: str) -> bool:
    if not province:
        return False
    t = unserved_regions
    query = (
        select(t.c.province)
        .where(t.c.province == province, t.c.city.in_([city, ""]), t.c.district.in_([district, ""]))
        .limit(1)
    )
    return (await conn.execute(query)).first() is not None

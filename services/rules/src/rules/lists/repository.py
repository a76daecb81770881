"""The lists staff keep for the rules: the blacklist (R13), SKUs under a purchase limit (R05)
and regions not served (R08). Statements only: the caller owns the transaction. Values are
stored as the rules compare them (phones normalised, addresses without whitespace, regions by
their official names), so what staff type matches what orders carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from orderhub_contracts.phone import normalize_phone
from sqlalchemy import delete, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.placement.repository import normalise_address
from rules.tables import blacklist, limited_skus, unserved_regions

BlacklistKind = Literal["phone", "address"]


@dataclass(frozen=True)
class Entry:
    """One row of any of the lists; `key` is what identifies it (a phone, an address, a SKU,
    or province/city/district joined by '/')."""

    key: str
    note: str
    created_by: str
    created_at: datetime


def blacklist_value(kind: BlacklistKind, raw: str) -> str:
    return normalize_phone(raw) if kind == "phone" else normalise_address(raw)


async def add_to_blacklist(conn: AsyncConnection, kind: BlacklistKind, raw: str, *, reason: str, by: str) -> bool:
    """False when it was already there (its reason is then updated)."""
    stmt = pg_insert(blacklist).values(kind=kind, value=blacklist_value(kind, raw), reason=reason, created_by=by)
    upsert = stmt.on_conflict_do_update(index_elements=["kind", "value"], set_={"reason": stmt.excluded.reason})
    # xmax is 0 on a row this statement inserted, not on one it updated.
    return bool((await conn.execute(upsert.returning(literal_column("xmax = 0")))).scalar_one())


async def remove_from_blacklist(conn: AsyncConnection, kind: BlacklistKind, raw: str) -> bool:
    stmt = delete(blacklist).where(blacklist.c.kind == kind, blacklist.c.value == blacklist_value(kind, raw))
    return bool((await conn.execute(stmt.returning(blacklist.c.value))).first())


async def list_blacklist(conn: AsyncConnection, kind: BlacklistKind) -> list[Entry]:
    t = blacklist
    query = select(t.c.value, t.c.reason, t.c.created_by, t.c.created_at).where(t.c.kind == kind)
    rows = await conn.execute(query.order_by(t.c.created_at.desc()))
    return [Entry(r.value, r.reason, r.created_by, r.created_at) for r in rows]


async def put_limited_sku(conn: AsyncConnection, sku: str, *, note: str, by: str) -> None:
    stmt = pg_insert(limited_skus).values(sku=sku, note=note, created_by=by)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["sku"], set_={"note": stmt.excluded.note}))


async def remove_limited_sku(conn: AsyncConnection, sku: str) -> bool:
    stmt = delete(limited_skus).where(limited_skus.c.sku == sku).returning(limited_skus.c.sku)
    return (await conn.execute(stmt)).first() is not None


async def list_limited_skus(conn: AsyncConnection) -> list[Entry]:
    t = limited_skus
    rows = await conn.execute(select(t.c.sku, t.c.note, t.c.created_by, t.c.created_at).order_by(t.c.sku))
    return [Entry(r.sku, r.note, r.created_by, r.created_at) for r in rows]


async def put_unserved_region(
    conn: AsyncConnection, province: str, city: str, district: str, *, note: str, by: str
) -> None:
    stmt = pg_insert(unserved_regions).values(province=province, city=city, district=district, note=note, created_by=by)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["province", "city", "district"], set_={"note": stmt.excluded.note})
    )


async def remove_unserved_region(conn: AsyncConnection, province: str, city: str, district: str) -> bool:
    t = unserved_regions
    stmt = delete(t).where(t.c.province == province, t.c.city == city, t.c.district == district)
    return (await conn.execute(stmt.returning(t.c.province))).first() is not None


async def list_unserved_regions(conn: AsyncConnection) -> list[Entry]:
    t = unserved_regions
    query = select(t.c.province, t.c.city, t.c.district, t.c.note, t.c.created_by, t.c.created_at)
    rows = await conn.execute(query.order_by(t.c.province, t.c.city, t.c.district))
    return [Entry(f"{r.province}/{r.city}/{r.district}", r.note, r.created_by, r.created_at) for r in rows]

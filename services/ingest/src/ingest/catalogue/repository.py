"""Every statement on the catalogue kept from product.updated."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.catalogue.model import CatalogueEntry
from ingest.tables import catalogue


async def upsert_product(
    conn: AsyncConnection, *, sku: str, title: str, list_price_fen: int, currency: str, updated_at: datetime
) -> None:
    """Store the entry unless a newer one is already here (events of one SKU may arrive late)."""
    values = {
        "sku": sku,
        "title": title,
        "list_price_fen": list_price_fen,
        "currency": currency,
        "updated_at": updated_at,
    }
    stmt = pg_insert(catalogue).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[catalogue.c.sku],
        set_={k: stmt.excluded[k] for k in ("title", "list_price_fen", "currency", "updated_at")},
        where=catalogue.c.updated_at <= stmt.excluded.updated_at,
    )
    await conn.execute(stmt)


async def entries(conn: AsyncConnection, skus: Iterable[str]) -> dict[str, CatalogueEntry]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = (await conn.execute(select(catalogue).where(catalogue.c.sku.in_(wanted)))).mappings()
    return {r["sku"]: CatalogueEntry(r["sku"], r["title"], int(r["list_price_fen"]), r["currency"]) for r in rows}

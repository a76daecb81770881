"""Every SQL statement of the catalogue."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.catalogue.model import Product, SetProduct
from fulfillment.tables import products


def _product(row: RowMapping) -> Product:
    return Product(
        sku=row["sku"],
        title=row["title"],
        category=row["category"],
        list_price_fen=row["list_price_fen"],
        currency=row["currency"],
        bin_location=row["bin_location"],
        presale_ship_date=row["presale_ship_date"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )


async def get_product(conn: AsyncConnection, sku: str, *, for_update: bool = False) -> Product | None:
    query = select(products).where(products.c.sku == sku)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _product(row)


async def list_products(
    conn: AsyncConnection, *, category: str | None = None, after: str | None = None, limit: int = 100
) -> list[Product]:
    """Products in SKU order, `limit` from the one after `after` (keyset paging)."""
    query = select(products).order_by(products.c.sku).limit(limit)
    if category is not None:
        query = query.where(products.c.category == category)
    if after is not None:
        query = query.where(products.c.sku > after)
    return [_product(row) for row in (await conn.execute(query)).mappings()]


async def upsert_product(conn: AsyncConnection, command: SetProduct) -> Product:
    values = {
        "sku": command.sku,
        "title": command.title,
        "category": command.category,
        "list_price_fen": command.list_price_fen,
        "currency": command.currency,
        "bin_location": command.bin_location,
        "presale_ship_date": command.presale_ship_date,
        "updated_by": command.updated_by,
    }
    stmt = pg_insert(products).values(**values)
    changes = {k: stmt.excluded[k] for k in values if k != "sku"} | {"updated_at": func.now()}
    upsert = stmt.on_conflict_do_update(index_elements=[products.c.sku], set_=changes).returning(*products.c)
    return _product((await conn.execute(upsert)).mappings().one())


async def presale_dates(conn: AsyncConnection, skus: Collection[str]) -> dict[str, date]:
    """The presale ship date of each of `skus` that the catalogue marks as presale."""
    if not skus:
        return {}
    query = select(products.c.sku, products.c.presale_ship_date).where(
        products.c.sku.in_(sorted(skus)), products.c.presale_ship_date.is_not(None)
    )
    return {row.sku: row.presale_ship_date for row in await conn.execute(query)}

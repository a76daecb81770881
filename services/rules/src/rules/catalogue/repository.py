"""Every statement on the list prices kept from product.updated."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from rules.tables import list_prices


async def upsert_price(
    conn: AsyncConnection, sku: str, list_price_fen: int, currency: str, updated_at: datetime
) -> None:
    """Keep the newest price of the SKU (a late, older update changes nothing)."""
    stmt = pg_insert(list_prices).values(
        sku=sku, list_price_fen=list_price_fen, currency=currency, updated_at=updated_at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[list_prices.c.sku],
        set_={k: stmt.excluded[k] for k in ("list_price_fen", "currency", "updated_at")},
        where=list_prices.c.updated_at <= stmt.excluded.updated_at,
    )
    await conn.execute(stmt)


async def prices(conn: AsyncConnection, skus: Iterable[str], currency: str = "CNY") -> dict[str, int]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    query = select(list_prices.c.sku, list_prices.c.list_price_fen).where(
        list_prices.c.sku.in_(wanted), list_prices.c.currency == currency, list_prices.c.list_price_fen > 0
    )
    return {row.sku: int(row.list_price_fen) for row in await conn.execute(query)}

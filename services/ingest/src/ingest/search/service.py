"""One search: the matching orders, newest first, with their lines."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.search.criteria import SearchCriteria
from ingest.search.repository import items_by_order, search_orders
from ingest.search.views import SearchResult, SearchTerms, build_hit


async def find_orders(conn: AsyncConnection, criteria: SearchCriteria) -> SearchResult:
    rows = await search_orders(conn, criteria)
    shown = rows[: criteria.limit]
    items = await items_by_order(conn, [r["order_id"] for r in shown])
    return SearchResult(
        terms=SearchTerms(
            order_id_prefixes=list(criteria.order_id_prefixes),
            channel_order_nos=list(criteria.channel_order_nos),
            phone_last4=list(criteria.phone_last4),
            product_words=list(criteria.words),
        ),
        results=[build_hit(r, items[r["order_id"]]) for r in shown],
        has_more=len(rows) > criteria.limit,
    )

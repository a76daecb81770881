"""One search: the matching orders, newest first, with their lines (phone numbers masked)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.search.criteria import SearchCriteria
from ingest.search.plan import StatsCache, walk_budget
from ingest.search.repository import items_by_order, read_stats, search_orders, set_planner
from ingest.search.views import SearchResult, SearchTerms, build_hit


async def plan_search(conn: AsyncConnection, criteria: SearchCriteria, stats: StatsCache) -> int:
    """Set the planner up for this search and answer its walk budget (0: no walk)."""
    await set_planner(conn)
    if not criteria.words or criteria.is_selective:
        return 0
    fresh, known = stats.get()
    if not fresh:
        known = await read_stats(conn)
        stats.put(known)
    return walk_budget(criteria, known)


async def find_orders(conn: AsyncConnection, criteria: SearchCriteria, stats: StatsCache) -> SearchResult:
    rows = await search_orders(conn, criteria, await plan_search(conn, criteria, stats))
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

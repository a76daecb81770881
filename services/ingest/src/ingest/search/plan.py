"""Choosing how a product-word search reads the orders, from the column statistics.

Results come newest first, so a word found in many orders is answered fastest by walking the
created_at index backwards until the page is full (rows are stored roughly in creation order, so
this reads few pages); a rare word by the bigram GIN index, visiting only its matches. The
planner cannot tell the two apart: it multiplies the frequencies of a word's bigrams as if they
were independent, so "加湿器" (1 order in 8) looks like 1 in 70 and gets the bitmap path, which
visits every match. A word is at most as frequent as its rarest bigram: that estimate, from the
same statistics (pg_stats), picks the path. The walk is bounded: if the newest orders it may
examine hold less than a page of matches (the estimate was wrong), the bigram index answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.search.criteria import SearchCriteria, bigrams

STATS_TTL_S = 300.0
WALK_MIN_ROWS = 1000

_STATS = text(
    "SELECT attname, most_common_elems::text::text[] AS elems, most_common_elem_freqs AS elem_freqs, "
    "most_common_vals::text::text[] AS vals, most_common_freqs AS freqs "
    "FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'orders' "
    "AND attname IN ('search_grams', 'channel', 'status')"
)
_SIZE = text("SELECT reltuples, relpages FROM pg_class WHERE oid = to_regclass(current_schema() || '.orders')")


@dataclass(frozen=True, slots=True)
class SearchStats:
    gram_freq: dict[str, float] = field(default_factory=dict)
    value_freq: dict[str, dict[str, float]] = field(default_factory=dict)  # channel / status values
    rows: float = 0.0  # orders in the table, and the pages they take (as of the last ANALYZE)
    pages: float = 0.0

    def word_freq(self, word: str) -> float:
        # A bigram too rare to be among the tracked ones counts as 0: never worth walking for.
        return min((self.gram_freq.get(g, 0.0) for g in bigrams(word)), default=1.0)

    def match_fraction(self, c: SearchCriteria) -> float:
        fraction = 1.0
        for word in c.words:
            fraction *= self.word_freq(word)
        for column, value in (("channel", c.channel), ("status", c.status)):
            if value is not None:
                fraction *= self.value_freq.get(column, {}).get(value, 0.0)
        return fraction


_cache: dict[str, tuple[float, SearchStats | None]] = {}


async def load_stats(conn: AsyncConnection) -> SearchStats | None:
    """The statistics of the orders table (cached a few minutes); None before its first ANALYZE."""
    key = str(conn.engine.url)
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < STATS_TTL_S:
        return cached[1]
    rows = (await conn.execute(_STATS)).mappings().all()
    stats: SearchStats | None = None
    grams = next((r for r in rows if r["attname"] == "search_grams" and r["elems"]), None)
    if grams is not None:
        # most_common_elem_freqs ends with the minimum, maximum and null frequency of the elements.
        freqs = list(grams["elem_freqs"])
        values = {
            str(r["attname"]): dict(zip(r["vals"] or [], r["freqs"] or [], strict=False))
            for r in rows
            if r["attname"] != "search_grams"
        }
        size = (await conn.execute(_SIZE)).first()
        stats = SearchStats(
            gram_freq=dict(zip(grams["elems"], freqs, strict=False)),
            value_freq=values,
            rows=float(size.reltuples) if size else 0.0,
            pages=float(size.relpages) if size else 0.0,
        )
    _cache[key] = (time.monotonic(), stats)
    return stats


def walk_budget(c: SearchCriteria, stats: SearchStats | None) -> int:
    """How many of the newest orders to examine before falling back to the bigram index; 0 when
    the bigram index is the better path from the start (or there are no statistics)."""
    if not c.words or c.is_selective or stats is None:
        return 0
    fraction = stats.match_fraction(c)
    if fraction <= 0 or stats.rows <= 0 or stats.pages <= 0:
        return 0
    # Pages read either way: the walk reads rows in storage order until a page of results is full;
    # the bigram path visits one page per match, scattered.
    expected_rows = (c.limit + 1) / fraction
    if expected_rows / (stats.rows / stats.pages) > min(fraction * stats.rows, stats.pages):
        return 0
    # Room for an estimate three times too high; past that the walk gives up and the index answers.
    return max(int(3 * expected_rows), WALK_MIN_ROWS)


async def plan_walk(conn: AsyncConnection, c: SearchCriteria) -> int:
    """walk_budget with the table's current statistics."""
    if not c.words or c.is_selective:
        return 0
    return walk_budget(c, await load_stats(conn))

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

from ingest.search.criteria import SearchCriteria, bigrams

STATS_TTL_S = 300.0
WALK_MIN_ROWS = 1000


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


class StatsCache:
    """The orders table's statistics, kept a few minutes (one per app, in its dependencies)."""

    def __init__(self, ttl_s: float = STATS_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entry: tuple[float, SearchStats | None] | None = None

    def get(self) -> tuple[bool, SearchStats | None]:
        """(fresh, stats): `fresh` is False when the statistics must be read again."""
        if self._entry is None or time.monotonic() - self._entry[0] >= self.ttl_s:
            return False, None
        return True, self._entry[1]

    def put(self, stats: SearchStats | None) -> None:
        self._entry = (time.monotonic(), stats)


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

"""The search query. Every term is indexed: order ID prefix (primary key, plus the creation time
the ID carries), channel order number (text_pattern_ops btree), phone last 4 (btree), words
(GIN over title bigrams, then a LIKE on the titles to confirm the bigrams are adjacent; or the
same over the receiver's name, so a word matches a product or the person). A common product
word is instead found by walking the newest orders (see plan.py). Newest first, ties by order ID."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, RowMapping, Select, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ingest.search.criteria import SearchCriteria, bigrams, id_time_range, like_escape
from ingest.search.plan import SearchStats
from ingest.tables import order_items, orders

_o = orders.c
RESULT_COLUMNS = (
    _o.order_id,
    _o.channel,
    _o.channel_order_no,
    _o.shop_id,
    _o.status,
    _o.created_at,
    _o.paid_at,
    _o.receiver_name,
    _o.receiver_phone,
    _o.buyer_remark,
    _o.seller_memo,
    _o.currency,
    _o.list_total_fen,
    _o.discount_fen,
    _o.paid_total_fen,
)


def conditions(c: SearchCriteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for prefix in c.order_id_prefixes:
        # Typed in lower case: IDs are upper case but for a channel order number's own letters.
        variants = sorted({prefix, prefix.upper()})
        where.append(or_(*(_o.order_id.like(like_escape(v) + "%") for v in variants)))
        span = id_time_range(prefix)
        if span is not None:  # lets the planner see how few orders a prefix can match
            where += [_o.created_at >= span[0], _o.created_at < span[1]]
    where += [_o.channel_order_no.like(like_escape(n) + "%") for n in c.channel_order_nos]
    where += [_o.receiver_phone_last4 == d for d in c.phone_last4]
    # With an ID, number or phone term, the few orders it finds are checked for the words directly.
    where += [word_matches(w, indexed=not c.is_selective) for w in c.words]
    if c.channel is not None:
        where.append(_o.channel == c.channel)
    if c.status is not None:
        where.append(_o.status == c.status)
    if c.created_from is not None:
        where.append(_o.created_at >= c.created_from)
    if c.created_to is not None:
        where.append(_o.created_at <= c.created_to)
    return where


def word_matches(word: str, *, indexed: bool) -> ColumnElement[bool]:
    """The word in an item title or in the receiver's name (张三, or a 2+ character part of it);
    `indexed`: through each one's bigram index (a BitmapOr of the two)."""
    pattern = "%" + like_escape(word) + "%"
    in_titles: ColumnElement[bool] = _o.search_text.like(pattern)
    in_name: ColumnElement[bool] = _o.search_name.like(pattern)
    if indexed:
        grams = sorted(bigrams(word))
        in_titles = and_(_o.search_grams.contains(grams), in_titles)
        in_name = and_(_o.name_grams.contains(grams), in_name)
    return or_(in_titles, in_name)


def search_statement(c: SearchCriteria) -> Select[tuple[object, ...]]:
    # One row more than asked for tells the caller whether there are more.
    return (
        select(*RESULT_COLUMNS)
        .where(*conditions(c))
        .order_by(_o.created_at.desc(), _o.order_id.desc())
        .limit(c.limit + 1)
    )


def walk_statement(c: SearchCriteria, budget: int) -> Select[tuple[object, ...]]:
    """The same search over the `budget` newest orders only (read backwards along created_at). Its
    page is exact when it is full: every order outside those is older than every one inside."""
    inner = select(*RESULT_COLUMNS, _o.search_text, _o.search_name)
    if c.created_from is not None:
        inner = inner.where(_o.created_at >= c.created_from)
    if c.created_to is not None:
        inner = inner.where(_o.created_at <= c.created_to)
    recent = inner.order_by(_o.created_at.desc(), _o.order_id.desc()).limit(budget).subquery("recent")
    r = recent.c
    where: list[ColumnElement[bool]] = [
        or_(r.search_text.like(p), r.search_name.like(p)) for p in ("%" + like_escape(w) + "%" for w in c.words)
    ]
    if c.channel is not None:
        where.append(r.channel == c.channel)
    if c.status is not None:
        where.append(r.status == c.status)
    return (
        select(*(r[col.name] for col in RESULT_COLUMNS))
        .where(*where)
        .order_by(r.created_at.desc(), r.order_id.desc())
        .limit(c.limit + 1)
    )


async def set_planner(conn: AsyncConnection) -> None:
    """Planner settings for this search's transaction. Plans are made for the actual values: a
    generic plan of a reused prepared statement cannot use an index for `LIKE $1` nor judge how
    common a word is."""
    await conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    # A page of 20 results: parallel workers only add start-up time and read ahead of the LIMIT.
    await conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


async def search_orders(conn: AsyncConnection, c: SearchCriteria, walk_budget: int = 0) -> list[RowMapping]:
    """The matching rows: first by walking the newest `walk_budget` orders (0: no walk), and when
    that finds less than a page, through the indexes."""
    if walk_budget:
        walked = list((await conn.execute(walk_statement(c, walk_budget))).mappings().all())
        if len(walked) > c.limit:
            return walked
    return list((await conn.execute(search_statement(c))).mappings().all())


_STATS = text(
    "SELECT attname, most_common_elems::text::text[] AS elems, most_common_elem_freqs AS elem_freqs, "
    "most_common_vals::text::text[] AS vals, most_common_freqs AS freqs "
    "FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'orders' "
    "AND attname IN ('search_grams', 'channel', 'status')"
)
_SIZE = text("SELECT reltuples, relpages FROM pg_class WHERE oid = to_regclass(current_schema() || '.orders')")


async def read_stats(conn: AsyncConnection) -> SearchStats | None:
    """The statistics of the orders table; None before its first ANALYZE."""
    rows = (await conn.execute(_STATS)).mappings().all()
    grams = next((r for r in rows if r["attname"] == "search_grams" and r["elems"]), None)
    if grams is None:
        return None
    # most_common_elem_freqs ends with the minimum, maximum and null frequency of the elements.
    freqs = list(grams["elem_freqs"])
    values = {
        str(r["attname"]): dict(zip(r["vals"] or [], r["freqs"] or [], strict=False))
        for r in rows
        if r["attname"] != "search_grams"
    }
    size = (await conn.execute(_SIZE)).first()
    return SearchStats(
        gram_freq=dict(zip(grams["elems"], freqs, strict=False)),
        value_freq=values,
        rows=float(size.reltuples) if size else 0.0,
        pages=float(size.relpages) if size else 0.0,
    )


async def items_by_order(conn: AsyncConnection, order_ids: Sequence[str]) -> dict[str, list[RowMapping]]:
    if not order_ids:
        return {}
    i = order_items.c
    query = (
        select(i.order_id, i.sku, i.title, i.quantity)
        .where(i.order_id.in_(list(order_ids)))
        .order_by(i.order_id, i.line_no)
    )
    grouped: dict[str, list[RowMapping]] = {order_id: [] for order_id in order_ids}
    for row in (await conn.execute(query)).mappings():
        grouped[row["order_id"]].append(row)
    return grouped

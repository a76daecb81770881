"""order search indexes

Product words are matched through character bigrams: PostgreSQL full-text search has no Chinese
parser, pg_trgm needs ≥3 characters per word (most Chinese product words, 加湿 风扇 水壶, have two)
and is an extension the service role may not create. Two generated columns derive the searchable
text from the order snapshot, so intake code is unchanged and the columns can never go stale.

Revision ID: 20261124_0003
Revises: 20261124_0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "20261124_0003"
down_revision = "20261124_0002"
branch_labels = None
depends_on = None

SCHEMA = "ingest"

# Item titles, NFKC-normalised (full-width ４Ｌ -> 4L) and lower-cased; never raises on odd JSON.
_SEARCH_TEXT_FN = f"""
CREATE FUNCTION {SCHEMA}.order_search_text(snapshot jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(normalize(coalesce((
    SELECT string_agg(title, ' ')
    FROM jsonb_array_elements_text(jsonb_path_query_array(snapshot, '$.items[*].title')) AS title
), ''), NFKC))
"""
# Distinct two-character substrings without whitespace: what a GIN index can look words up by.
_BIGRAMS_FN = f"""
CREATE FUNCTION {SCHEMA}.search_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(
    SELECT DISTINCT substr(value, i, 2)
    FROM generate_series(1, char_length(value) - 1) AS i
    WHERE substr(value, i, 2) !~ '\\s'
)
"""


def upgrade() -> None:
    op.execute(_SEARCH_TEXT_FN)
    op.execute(_BIGRAMS_FN)
    op.add_column(
        "orders",
        sa.Column("search_text", sa.Text, sa.Computed(f"{SCHEMA}.order_search_text(snapshot)", persisted=True)),
        schema=SCHEMA,
    )
    op.add_column(
        "orders",
        sa.Column(
            "search_grams",
            ARRAY(sa.Text),
            sa.Computed(f"{SCHEMA}.search_bigrams({SCHEMA}.order_search_text(snapshot))", persisted=True),
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_orders_search_grams", "orders", ["search_grams"], schema=SCHEMA, postgresql_using="gin")
    # Equality and prefix (LIKE 'abc%') lookups whatever the database collation.
    op.create_index(
        "ix_orders_channel_order_no",
        "orders",
        ["channel_order_no"],
        schema=SCHEMA,
        postgresql_ops={"channel_order_no": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_orders_channel_order_no", "orders", schema=SCHEMA)
    op.drop_index("ix_orders_search_grams", "orders", schema=SCHEMA)
    op.drop_column("orders", "search_grams", schema=SCHEMA)
    op.drop_column("orders", "search_text", schema=SCHEMA)
    op.execute(f"DROP FUNCTION {SCHEMA}.search_bigrams(text)")
    op.execute(f"DROP FUNCTION {SCHEMA}.order_search_text(jsonb)")

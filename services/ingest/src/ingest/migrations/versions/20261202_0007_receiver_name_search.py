"""receiver name search: the receiver's name, normalised as the item titles are, and its
character bigrams under a GIN index, so that a name (张三) or a 2+ character part of it is found
as fast as a product word. Derived from the receiver_name column, which follows address changes.

Revision ID: 20261202_0007
Revises: 20261202_0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "20261202_0007"
down_revision = "20261202_0006"
branch_labels = None
depends_on = None

SCHEMA = "ingest"

# As order_search_text normalises titles: NFKC (full-width letters), lower case.
_NAME_FN = f"""
CREATE FUNCTION {SCHEMA}.search_name(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(normalize(value, NFKC))
"""


def upgrade() -> None:
    op.execute(_NAME_FN)
    op.add_column(
        "orders",
        sa.Column("search_name", sa.Text, sa.Computed(f"{SCHEMA}.search_name(receiver_name)", persisted=True)),
        schema=SCHEMA,
    )
    op.add_column(
        "orders",
        sa.Column(
            "name_grams",
            ARRAY(sa.Text),
            sa.Computed(f"{SCHEMA}.search_bigrams({SCHEMA}.search_name(receiver_name))", persisted=True),
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_orders_name_grams", "orders", ["name_grams"], schema=SCHEMA, postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_orders_name_grams", "orders", schema=SCHEMA)
    op.drop_column("orders", "name_grams", schema=SCHEMA)
    op.drop_column("orders", "search_name", schema=SCHEMA)
    op.execute(f"DROP FUNCTION {SCHEMA}.search_name(text)")

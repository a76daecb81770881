"""list prices: the catalogue's list price per SKU, for R10

Revision ID: 20261202_0006
Revises: 20261202_0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_0006"
down_revision = "20261202_0005"
branch_labels = None
depends_on = None

SCHEMA = "rules"


def upgrade() -> None:
    op.create_table(
        "list_prices",
        sa.Column("sku", sa.Text, primary_key=True),
        sa.Column("list_price_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("list_prices", schema=SCHEMA)

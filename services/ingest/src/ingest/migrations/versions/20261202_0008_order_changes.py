"""order changes: the catalogue kept from product.updated, the coupon wallet

Revision ID: 20261202_0008
Revises: 20261202_0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_0008"
down_revision = "20261202_0007"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    op.create_table(
        "catalogue",
        sa.Column("sku", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("list_price_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("list_price_fen >= 0", name="ck_catalogue_price_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "coupon_wallet",
        sa.Column("coupon_code", sa.Text, primary_key=True),
        sa.Column("openid", sa.Text),
        sa.Column("customer_phone", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_for_order", sa.Text, nullable=False),
        sa.Column("redeemed_order_id", sa.Text),
        sa.Column("redeemed_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index("ix_coupon_wallet_openid", "coupon_wallet", ["openid"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("coupon_wallet", schema=SCHEMA)
    op.drop_table("catalogue", schema=SCHEMA)

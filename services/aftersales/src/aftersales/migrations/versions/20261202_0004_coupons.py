"""coupons: budget pools, their ledger, compensation coupons

Revision ID: 20261202_0004
Revises: 20261202_0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_0004"
down_revision = "20261202_0003"
branch_labels = None
depends_on = None

SCHEMA = "aftersales"
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "budget_pools",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("balance_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False, server_default="CNY"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("balance_fen >= 0", name="ck_budget_pools_balance_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "budget_ledger",
        sa.Column("entry_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("pool", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("balance_after_fen", sa.BigInteger, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False, server_default=""),
        sa.Column("coupon_code", sa.Text, nullable=False, server_default=""),
        sa.Column("by", sa.Text, nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("kind IN ('top_up', 'set', 'draw', 'refused')", name="ck_budget_ledger_kind_known"),
        schema=SCHEMA,
    )
    op.create_index("ix_budget_ledger_pool_entry_id", "budget_ledger", ["pool", "entry_id"], schema=SCHEMA)
    op.create_index(
        "uq_budget_ledger_compensation",
        "budget_ledger",
        ["order_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("kind IN ('draw', 'refused')"),
    )
    op.create_table(
        "coupons",
        sa.Column("coupon_code", sa.Text, primary_key=True),
        sa.Column("voided_order_id", sa.Text, nullable=False),
        sa.Column("pool", sa.Text, nullable=False),
        sa.Column("customer_phone", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_order_id", sa.Text),
        sa.Column("redeemed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("voided_order_id", name="uq_coupons_voided_order_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_coupons_customer_phone", "coupons", ["customer_phone"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("coupons", schema=SCHEMA)
    op.drop_table("budget_ledger", schema=SCHEMA)
    op.drop_table("budget_pools", schema=SCHEMA)

"""warehouse: product catalogue, split outbound orders (one per zone), what the paper needs, remark flags

Revision ID: 20261202_0002
Revises: 20261124_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "20261202_0002"
down_revision = "20261124_0001"
branch_labels = None
depends_on = None

SCHEMA = "fulfillment"
NOW = sa.text("now()")


def upgrade() -> None:
    table = "outbound_orders"
    op.add_column(table, sa.Column("channel", sa.Text, nullable=False, server_default=""), schema=SCHEMA)
    op.add_column(table, sa.Column("channel_order_no", sa.Text, nullable=False, server_default=""), schema=SCHEMA)
    op.add_column(table, sa.Column("zone", sa.Text, nullable=False, server_default="in_stock"), schema=SCHEMA)
    op.add_column(table, sa.Column("gift_note", sa.Text, nullable=False, server_default=""), schema=SCHEMA)
    op.add_column(
        table,
        sa.Column("remark_flags", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'::text[]")),
        schema=SCHEMA,
    )
    op.add_column(table, sa.Column("shipped_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    # The first migration named it twice over (the naming convention prefixed its full name).
    op.drop_constraint(op.f("ck_outbound_orders_ck_outbound_orders_status_known"), table, schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_outbound_orders_status_known"),
        table,
        "status IN ('created', 'picking', 'intercepted', 'cancelled', 'shipped')",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_outbound_orders_zone_known"), table, "zone IN ('in_stock', 'presale')", schema=SCHEMA
    )
    op.drop_constraint(op.f("uq_outbound_orders_order_id"), table, schema=SCHEMA)
    op.create_unique_constraint(op.f("uq_outbound_orders_order_id_zone"), table, ["order_id", "zone"], schema=SCHEMA)
    op.create_table(
        "products",
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False, server_default=""),
        sa.Column("list_price_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False, server_default="CNY"),
        sa.Column("bin_location", sa.Text, nullable=False, server_default=""),
        sa.Column("presale_ship_date", sa.Date),
        sa.Column("updated_by", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
        sa.CheckConstraint("list_price_fen >= 0", name=op.f("ck_products_list_price_not_negative")),
        schema=SCHEMA,
    )
    op.create_table(
        "order_flags",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "rule_id", name=op.f("pk_order_flags")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    table = "outbound_orders"
    op.drop_table("order_flags", schema=SCHEMA)
    op.drop_table("products", schema=SCHEMA)
    op.drop_constraint(op.f("uq_outbound_orders_order_id_zone"), table, schema=SCHEMA)
    op.create_unique_constraint(op.f("uq_outbound_orders_order_id"), table, ["order_id"], schema=SCHEMA)
    op.drop_constraint(op.f("ck_outbound_orders_zone_known"), table, schema=SCHEMA)
    op.drop_constraint(op.f("ck_outbound_orders_status_known"), table, schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_outbound_orders_ck_outbound_orders_status_known"),  # as the first migration named it
        table,
        "status IN ('created', 'intercepted', 'cancelled', 'shipped')",
        schema=SCHEMA,
    )
    for column in ("shipped_at", "remark_flags", "gift_note", "zone", "channel_order_no", "channel"):
        op.drop_column(table, column, schema=SCHEMA)

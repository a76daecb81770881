"""facts and timers: rule-set change notes, fulfillment facts on orders, per-phone counts,
order fingerprints, blacklist, unserved regions, limited SKUs, durable timers

Revision ID: 20261124_0002
Revises: 20261124_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "20261124_0002"
down_revision = "20261124_0001"
branch_labels = None
depends_on = None

SCHEMA = "rules"
NOW = sa.text("now()")


def _staff_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    ]


def upgrade() -> None:
    op.add_column("rule_sets", sa.Column("note", sa.Text), schema=SCHEMA)
    op.add_column("rule_sets", sa.Column("change", sa.Text), schema=SCHEMA)
    op.add_column("orders", sa.Column("waybill_no", sa.Text), schema=SCHEMA)
    op.add_column("orders", sa.Column("shipped_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("orders", sa.Column("delivered_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column(
        "orders",
        sa.Column("needs_revalidation", sa.Boolean, nullable=False, server_default=sa.text("false")),
        schema=SCHEMA,
    )
    op.create_table(
        "phone_sku_days",
        sa.Column("phone", sa.Text, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("order_count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("phone", "sku", "day", name="pk_phone_sku_days"),
        schema=SCHEMA,
    )
    op.create_table(
        "order_fingerprints",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("phone", sa.Text, nullable=False),
        sa.Column("sku_key", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_order_fingerprints"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_order_fingerprints_lookup", "order_fingerprints", ["phone", "sku_key", "created_at"], schema=SCHEMA
    )
    op.create_table(
        "blacklist",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=sa.text("''")),
        *_staff_columns(),
        sa.PrimaryKeyConstraint("kind", "value", name="pk_blacklist"),
        sa.CheckConstraint("kind IN ('phone', 'address')", name="ck_blacklist_kind"),
        schema=SCHEMA,
    )
    op.create_table(
        "unserved_regions",
        sa.Column("province", sa.Text, nullable=False),
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("district", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=sa.text("''")),
        *_staff_columns(),
        sa.PrimaryKeyConstraint("province", "city", "district", name="pk_unserved_regions"),
        schema=SCHEMA,
    )
    op.create_table(
        "limited_skus",
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=sa.text("''")),
        *_staff_columns(),
        sa.PrimaryKeyConstraint("sku", name="pk_limited_skus"),
        schema=SCHEMA,
    )
    op.create_table(
        "timers",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("fired_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("order_id", "kind", name="pk_timers"),
        sa.ForeignKeyConstraint(["order_id"], [f"{SCHEMA}.orders.order_id"], name="fk_timers_order_id_orders"),
        sa.CheckConstraint("status IN ('pending', 'fired', 'cancelled')", name="ck_timers_status"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_timers_due", "timers", ["due_at"], schema=SCHEMA, postgresql_where=sa.text("status = 'pending'")
    )


def downgrade() -> None:
    for table in ("timers", "limited_skus", "unserved_regions", "blacklist", "order_fingerprints", "phone_sku_days"):
        op.drop_table(table, schema=SCHEMA)
    for column in ("needs_revalidation", "delivered_at", "shipped_at", "waybill_no"):
        op.drop_column("orders", column, schema=SCHEMA)
    op.drop_column("rule_sets", "change", schema=SCHEMA)
    op.drop_column("rule_sets", "note", schema=SCHEMA)

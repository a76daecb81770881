"""initial: messaging tables, stock, reservations, awaiting stock, outbound orders, holds, cancellations

Revision ID: 20261124_0001
Revises:
Create Date: 2026-11-24
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from orderhub_runtime.migrations import create_messaging_tables

revision = "20261124_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "fulfillment"
NOW = sa.text("now()")


def _ts(name: str, *, nullable: bool = True, server_default: sa.TextClause | None = None) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=server_default)


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    op.execute(f"CREATE SEQUENCE {SCHEMA}.outbound_seq")
    op.execute(f"CREATE SEQUENCE {SCHEMA}.local_waybill_seq")
    op.create_table(
        "stock",
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("on_hand", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False, server_default=sa.text("0")),
        _ts("updated_at", nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("sku", name="pk_stock"),
        sa.CheckConstraint("on_hand >= 0", name="ck_stock_on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_stock_reserved_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "reservations",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        _ts("reserved_at", nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("order_id", "sku", name="pk_reservations"),
        sa.CheckConstraint("quantity > 0", name="ck_reservations_quantity_positive"),
        schema=SCHEMA,
    )
    op.create_table(
        "awaiting_stock",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("queue_seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("skus", ARRAY(sa.Text), nullable=False),
        sa.Column("order_snapshot", JSONB, nullable=False),
        _ts("cleared_at", nullable=False),
        _ts("queued_at", nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("order_id", name="pk_awaiting_stock"),
        schema=SCHEMA,
    )
    op.create_index("ix_awaiting_stock_skus", "awaiting_stock", ["skus"], schema=SCHEMA, postgresql_using="gin")
    op.create_table(
        "outbound_orders",
        sa.Column("outbound_id", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _ts("ship_deadline", nullable=False),
        sa.Column("receiver", JSONB, nullable=False),
        sa.Column("items", JSONB, nullable=False),
        sa.Column("buyer_remark", sa.Text, nullable=False, server_default=""),
        sa.Column("seller_memo", sa.Text, nullable=False, server_default=""),
        sa.Column("carrier", sa.Text, nullable=False),
        sa.Column("waybill_no", sa.Text, nullable=False),
        _ts("created_at", nullable=False, server_default=NOW),
        _ts("updated_at", nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("outbound_id", name="pk_outbound_orders"),
        sa.UniqueConstraint("order_id", name="uq_outbound_orders_order_id"),
        sa.UniqueConstraint("waybill_no", name="uq_outbound_orders_waybill_no"),
        sa.CheckConstraint(
            "status IN ('created', 'intercepted', 'cancelled', 'shipped')", name="ck_outbound_orders_status_known"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_outbound_orders_ship_deadline", "outbound_orders", ["ship_deadline"], schema=SCHEMA)
    op.create_table(
        "holds",
        sa.Column("hold_id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("rule_ids", ARRAY(sa.Text), nullable=False),
        sa.Column("reasons", ARRAY(sa.Text), nullable=False),
        _ts("held_at", nullable=False),
        _ts("released_at"),
        sa.PrimaryKeyConstraint("hold_id", name="pk_holds"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_holds_active_order_id",
        "holds",
        ["order_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("released_at IS NULL"),
    )
    op.create_table(
        "cancelled_orders",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _ts("cancelled_at", nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_cancelled_orders"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("cancelled_orders", "holds", "outbound_orders", "awaiting_stock", "reservations", "stock"):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f"DROP SEQUENCE {SCHEMA}.local_waybill_seq")
    op.execute(f"DROP SEQUENCE {SCHEMA}.outbound_seq")

"""initial: messaging tables, orders, ID allocation, lines, timeline, refused transitions

Revision ID: 20261124_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from orderhub_runtime.migrations import create_messaging_tables

revision = "20261124_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "ingest"
STATUSES = ("created", "validated", "allocated", "shipped", "delivered", "completed", "on_hold", "after_sales",
            "cancelled")


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    now = sa.text("now()")
    op.create_table(
        "order_keys",
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("channel_order_no", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("claimed_at", _tz(), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("channel", "channel_order_no", name="pk_order_keys"),
        sa.UniqueConstraint("order_id", name="uq_order_keys_order_id"),
        schema=SCHEMA,
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("channel_order_no", sa.Text, nullable=False),
        sa.Column("shop_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_since", _tz(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("paid_at", _tz()),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("receiver_name", sa.Text, nullable=False),
        sa.Column("receiver_phone", sa.Text, nullable=False),
        sa.Column("receiver_phone_last4", sa.Text, nullable=False),
        sa.Column("receiver_province", sa.Text, nullable=False),
        sa.Column("receiver_city", sa.Text, nullable=False),
        sa.Column("receiver_district", sa.Text, nullable=False),
        sa.Column("receiver_street", sa.Text, nullable=False),
        sa.Column("receiver_detail", sa.Text, nullable=False),
        sa.Column("buyer_remark", sa.Text, nullable=False),
        sa.Column("seller_memo", sa.Text, nullable=False),
        sa.Column("list_total_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_total_fen", sa.BigInteger, nullable=False),
        sa.Column("discount_fen", sa.BigInteger, nullable=False),
        sa.Column("snapshot", JSONB, nullable=False),
        sa.Column("placed_at", _tz(), nullable=False, server_default=now),
        sa.Column("updated_at", _tz(), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("order_id", name="pk_orders"),
        sa.UniqueConstraint("channel", "channel_order_no", name="uq_orders_channel_channel_order_no"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="ck_orders_status_known"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_orders_receiver_phone_last4", "orders", ["receiver_phone_last4"], schema=SCHEMA)
    op.create_index("ix_orders_created_at", "orders", ["created_at"], schema=SCHEMA)
    op.create_index("ix_orders_status", "orders", ["status"], schema=SCHEMA)
    op.create_table(
        "order_items",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_fen", sa.BigInteger),
        sa.Column("presale", sa.Boolean, nullable=False),
        sa.Column("presale_ship_date", _tz()),
        sa.PrimaryKeyConstraint("order_id", "line_no", name="pk_order_items"),
        sa.ForeignKeyConstraint(
            ["order_id"], [f"{SCHEMA}.orders.order_id"], name="fk_order_items_order_id_orders"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_order_items_sku", "order_items", ["sku"], schema=SCHEMA)
    op.create_table(
        "order_timeline",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("occurred_at", _tz(), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("status_from", sa.Text),
        sa.Column("status_path", JSONB, nullable=False),
        sa.Column("recorded_at", _tz(), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("id", name="pk_order_timeline"),
        sa.UniqueConstraint("event_id", name="uq_order_timeline_event_id"),
        sa.ForeignKeyConstraint(
            ["order_id"], [f"{SCHEMA}.orders.order_id"], name="fk_order_timeline_order_id_orders"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_order_timeline_order_id_occurred_at_id", "order_timeline", ["order_id", "occurred_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "transition_rejections",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("from_status", sa.Text, nullable=False),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("at", _tz(), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("id", name="pk_transition_rejections"),
        sa.UniqueConstraint("event_id", name="uq_transition_rejections_event_id"),
        sa.ForeignKeyConstraint(
            ["order_id"], [f"{SCHEMA}.orders.order_id"], name="fk_transition_rejections_order_id_orders"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_transition_rejections_order_id", "transition_rejections", ["order_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("transition_rejections", "order_timeline", "order_items", "orders", "order_keys"):
        op.drop_table(table, schema=SCHEMA)

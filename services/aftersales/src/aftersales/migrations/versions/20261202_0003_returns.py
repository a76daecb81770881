"""returns: order facts for tickets, categories, routing, tickets, receipt photos, the refund ledger

Revision ID: 20261202_0003
Revises: 20261124_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261202_0003"
down_revision = "20261124_0002"
branch_labels = None
depends_on = None

SCHEMA = "aftersales"
NOW = sa.text("now()")


def upgrade() -> None:
    for column in (
        sa.Column("channel_order_no", sa.Text, nullable=False, server_default=""),
        sa.Column("buyer_id", sa.Text, nullable=False, server_default=""),
        sa.Column("receiver", JSONB),
        sa.Column("currency", sa.Text, nullable=False, server_default="CNY"),
        sa.Column("discount_fen", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("paid_fen", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("refunded_fen", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("shipped_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
    ):
        op.add_column("order_refs", column, schema=SCHEMA)
    op.create_check_constraint(
        "order_refs_refund_within_paid", "order_refs", "refunded_fen >= 0 AND refunded_fen <= paid_fen", schema=SCHEMA
    )
    op.create_table(
        "product_categories",
        sa.Column("sku", sa.Text, primary_key=True),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "return_routes",
        sa.Column("category", sa.Text, primary_key=True),
        sa.Column("agent", sa.Text, primary_key=True),
        schema=SCHEMA,
    )
    op.create_table(
        "agents",
        sa.Column("agent", sa.Text, primary_key=True),
        sa.Column("on_duty", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema=SCHEMA,
    )
    op.create_table(
        "tickets",
        sa.Column("ticket_id", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("buyer_id", sa.Text, nullable=False, server_default=""),
        sa.Column("return_type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("customer_photos", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("category", sa.Text, nullable=False, server_default=""),
        sa.Column("assignee", sa.Text, nullable=False, server_default=""),
        sa.Column("decision_note", sa.Text, nullable=False, server_default=""),
        sa.Column("platform_case_no", sa.Text),
        sa.Column("platform_status", sa.Text, nullable=False, server_default=""),
        sa.Column("return_carrier", sa.Text),
        sa.Column("return_waybill_no", sa.Text, unique=True),
        sa.Column("received", JSONB),
        sa.Column("problems", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("refunded_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.UniqueConstraint("platform_case_no", name="tickets_platform_case_no_key"),
        schema=SCHEMA,
    )
    op.create_index("ix_aftersales_tickets_order_id", "tickets", ["order_id"], schema=SCHEMA)
    op.create_index("tickets_status_assignee", "tickets", ["status", "assignee"], schema=SCHEMA)
    op.create_table(
        "receipt_photos",
        sa.Column("photo_id", sa.Text, primary_key=True),
        sa.Column("ticket_id", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.UniqueConstraint("ticket_id", "sha256", name="receipt_photos_ticket_sha256_key"),
        schema=SCHEMA,
    )
    op.create_table(
        "refunds",
        sa.Column("refund_no", sa.Text, primary_key=True),
        sa.Column("ticket_id", sa.Text, nullable=False, unique=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("provider_refund_id", sa.Text, nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("amount_fen > 0", name="refunds_amount_positive"),
        schema=SCHEMA,
    )
    op.create_index("ix_aftersales_refunds_order_id", "refunds", ["order_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("refunds", "receipt_photos", "tickets", "agents", "return_routes", "product_categories"):
        op.drop_table(table, schema=SCHEMA)
    op.drop_constraint("order_refs_refund_within_paid", "order_refs", schema=SCHEMA)
    for column in (
        "cancelled_at",
        "delivered_at",
        "shipped_at",
        "refunded_fen",
        "paid_fen",
        "discount_fen",
        "currency",
        "receiver",
        "buyer_id",
        "channel_order_no",
    ):
        op.drop_column("order_refs", column, schema=SCHEMA)

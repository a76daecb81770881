"""tracking: shipments and their checkpoints, carrier jobs, refused pushes, completion timers

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

SCHEMA = "fulfillment"
NOW = sa.text("now()")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("waybill_no", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("outbound_id", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("phone_tail", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False, server_default="in_transit"),
        sa.Column("carrier_state", sa.Text, nullable=False, server_default=""),
        sa.Column("latest_at", TS),
        sa.Column("latest_context", sa.Text, nullable=False, server_default=""),
        sa.Column("dispatched_at", TS, nullable=False),
        sa.Column("delivered_at", TS),
        sa.Column("queried_at", TS),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint("status IN ('in_transit', 'delivered', 'exception')", name="shipment_status_known"),
        schema=SCHEMA,
    )
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"], schema=SCHEMA)
    op.create_index("ix_shipments_quiet", "shipments", ["status", "latest_at"], schema=SCHEMA)
    op.create_table(
        "shipment_checkpoints",
        sa.Column("waybill_no", sa.Text, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("carrier_state", sa.Text, nullable=False),
        sa.Column("area", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("received_at", TS, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("waybill_no", "occurred_at", "context"),
        schema=SCHEMA,
    )
    op.create_table(
        "carrier_jobs",
        sa.Column("job_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text, nullable=False),
        sa.Column("waybill_no", sa.Text, nullable=False),
        sa.Column("phone_tail", sa.Text, nullable=False, server_default=""),
        sa.Column("due_at", TS, nullable=False, server_default=NOW),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("done_at", TS),
        sa.Column("failed_at", TS),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("kind IN ('subscribe', 'cancel')", name="carrier_job_kind_known"),
        sa.UniqueConstraint("kind", "waybill_no", name="uq_carrier_jobs_kind_waybill"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_carrier_jobs_due",
        "carrier_jobs",
        ["due_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("done_at IS NULL AND failed_at IS NULL"),
    )
    op.create_table(
        "carrier_push_rejections",
        sa.Column("rejection_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", TS, nullable=False, server_default=NOW),
        schema=SCHEMA,
    )
    op.create_table(
        "completions",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("delivered_at", TS),
        sa.Column("due_at", TS),
        sa.Column("open_cases", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("completed_at", TS),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_completions_due", "completions", ["due_at"], schema=SCHEMA, postgresql_where=sa.text("completed_at IS NULL")
    )


def downgrade() -> None:
    for table in ("completions", "carrier_push_rejections", "carrier_jobs", "shipment_checkpoints", "shipments"):
        op.drop_table(table, schema=SCHEMA)

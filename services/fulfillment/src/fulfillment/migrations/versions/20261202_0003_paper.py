"""paper: print jobs, pick lists (waves) and their orders, WMS bridge runs

Revision ID: 20261202_0003
Revises: 20261202_0002
Create Date: 2026-12-02
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "20261202_0003"
down_revision = "20261202_0002"
branch_labels = None
depends_on = None

SCHEMA = "fulfillment"
NOW = sa.text("now()")


def _ts(name: str, *, nullable: bool = True, server_default: sa.TextClause | None = None) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=server_default)


def upgrade() -> None:
    op.create_table(
        "print_jobs",
        sa.Column("job_id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("printer", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'queued'")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("printer_job_id", sa.Text, nullable=False, server_default=""),
        _ts("next_attempt_at", nullable=False, server_default=NOW),
        _ts("created_at", nullable=False, server_default=NOW),
        _ts("updated_at", nullable=False, server_default=NOW),
        _ts("printed_at"),
        sa.PrimaryKeyConstraint("job_id", name="pk_print_jobs"),
        sa.UniqueConstraint("dedupe_key", name="uq_print_jobs_dedupe_key"),
        sa.CheckConstraint("status IN ('queued', 'sending', 'retrying', 'printed')", name="ck_print_jobs_status_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_print_jobs_due",
        "print_jobs",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status <> 'printed'"),
    )
    op.create_table(
        "picklists",
        sa.Column("picklist_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'open'")),
        sa.Column("zone", sa.Text),
        sa.Column("carrier", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("sheet", JSONB, nullable=False),
        _ts("created_at", nullable=False, server_default=NOW),
        _ts("closed_at"),
        sa.PrimaryKeyConstraint("picklist_id", name="pk_picklists"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_picklists_status_known"),
        schema=SCHEMA,
    )
    op.execute(f"CREATE SEQUENCE {SCHEMA}.picklist_seq")
    op.create_table(
        "picklist_orders",
        sa.Column("picklist_id", sa.Text, nullable=False),
        sa.Column("outbound_id", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("open", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.PrimaryKeyConstraint("picklist_id", "outbound_id", name="pk_picklist_orders"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_picklist_orders_open_outbound",
        "picklist_orders",
        ["outbound_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("open"),
    )
    op.create_table(
        "wms_bridge_runs",
        sa.Column("run_id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("matched", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("unknown", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("output_files", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("print_job_id", sa.BigInteger),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        _ts("started_at", nullable=False, server_default=NOW),
        _ts("finished_at"),
        sa.PrimaryKeyConstraint("run_id", name="pk_wms_bridge_runs"),
        sa.CheckConstraint("status IN ('annotated', 'printed', 'failed')", name="ck_wms_bridge_runs_status_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_wms_bridge_runs_file", "wms_bridge_runs", ["file_name", "file_sha256"], unique=True, schema=SCHEMA
    )


def downgrade() -> None:
    for table in ("wms_bridge_runs", "picklist_orders", "picklists", "print_jobs"):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f"DROP SEQUENCE {SCHEMA}.picklist_seq")

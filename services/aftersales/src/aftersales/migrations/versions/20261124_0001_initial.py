"""initial: messaging tables and order references

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

SCHEMA = "aftersales"


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    op.create_table(
        "order_refs",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("receiver_name", sa.Text, nullable=False),
        sa.Column("receiver_phone", sa.Text, nullable=False),
        sa.Column("items", JSONB, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waybill_no", sa.Text),
        sa.Column("carrier", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("order_refs", schema=SCHEMA)

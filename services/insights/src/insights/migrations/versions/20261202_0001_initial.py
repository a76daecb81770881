"""initial: messaging tables and the KPI and heat-analysis read models

Revision ID: 20261202_0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from orderhub_runtime.migrations import create_messaging_tables

revision = "20261202_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "insights"
NOW = sa.text("now()")
EMPTY = sa.text("'{}'")


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("customer_key", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("coupons", ARRAY(sa.Text), nullable=False, server_default=EMPTY),
        schema=SCHEMA,
    )
    op.create_index("ix_orders_customer_created", "orders", ["customer_key", "created_at"], schema=SCHEMA)
    op.create_table(
        "customers",
        sa.Column("customer_key", sa.Text, primary_key=True),
        sa.Column("first_order_id", sa.Text, nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_coupons", ARRAY(sa.Text), nullable=False, server_default=EMPTY),
        sa.Column("next_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index("ix_customers_first_at", "customers", ["first_at"], schema=SCHEMA)
    op.create_table(
        "anomalies",
        sa.Column("anomaly_id", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("rule_name", sa.Text, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_anomalies_raised_at", "anomalies", ["raised_at"], schema=SCHEMA)
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("source_event_id", sa.Text),
        sa.UniqueConstraint("source_event_id", name="uq_contacts_source_event_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_contacts_order_at", "contacts", ["order_id", "at"], schema=SCHEMA)
    op.create_table(
        "staff_actions",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_staff_actions_at", "staff_actions", ["at"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("staff_actions", "contacts", "anomalies", "customers", "orders"):
        op.drop_table(table, schema=SCHEMA)

"""initial: messaging tables, rule sets, orders and anomalies

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

SCHEMA = "rules"
NOW = sa.text("now()")


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    op.create_table(
        "rule_sets",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rules", JSONB, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("version", name="pk_rule_sets"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_rule_sets_one_active", "rule_sets", ["active"], unique=True, schema=SCHEMA,
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("snapshot", JSONB, nullable=False),
        sa.Column("paid", sa.Boolean, nullable=False),
        sa.Column("province", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_set_version", sa.Integer, nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("order_id", name="pk_orders"),
        schema=SCHEMA,
    )
    op.create_table(
        "anomalies",
        sa.Column("anomaly_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("rule_name", sa.Text, nullable=False),
        sa.Column("rule_set_version", sa.Integer, nullable=False),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("holds", sa.Boolean, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("actions", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'open'")),
        sa.Column("resolution", sa.Text),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.Text),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.Text),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("anomaly_id", name="pk_anomalies"),
        sa.ForeignKeyConstraint(
            ["order_id"], [f"{SCHEMA}.orders.order_id"], name="fk_anomalies_order_id_orders"
        ),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="ck_anomalies_status"),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="ck_anomalies_level"),
        sa.CheckConstraint(
            "(status = 'resolved') = (resolution IS NOT NULL) AND (resolution IS NULL OR resolution IN "
            "('released', 'cancelled'))",
            name="ck_anomalies_resolution",
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_anomalies_order_id", "anomalies", ["order_id"], schema=SCHEMA)
    op.create_index(
        "ix_anomalies_queue", "anomalies", [sa.text("level DESC"), "raised_at"], schema=SCHEMA,
        postgresql_where=sa.text("status <> 'resolved'"),
    )


def downgrade() -> None:
    op.drop_table("anomalies", schema=SCHEMA)
    op.drop_table("orders", schema=SCHEMA)
    op.drop_table("rule_sets", schema=SCHEMA)

"""channel intake: raw push archive, fetch queue, platform order state, sync watermarks, mini-program

Revision ID: 20261124_0002
Revises: 20261124_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261124_0002"
down_revision = "20261124_0001"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk_order(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["order_id"], [f"{SCHEMA}.orders.order_id"], name=f"fk_{table}_order_id_orders")


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "raw_pushes",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("received_at", _tz(), nullable=False, server_default=now),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("notices", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replayed_at", _tz()),
        sa.PrimaryKeyConstraint("id", name="pk_raw_pushes"),
        sa.CheckConstraint("verdict IN ('accepted', 'rejected')", name="ck_raw_pushes_verdict_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_raw_pushes_channel_verdict_received_at", "raw_pushes", ["channel", "verdict", "received_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "fetch_tasks",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("shop_id", sa.Text, nullable=False),
        sa.Column("channel_order_no", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("push_id", sa.BigInteger),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _tz(), nullable=False, server_default=now),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", _tz(), nullable=False, server_default=now),
        sa.Column("done_at", _tz()),
        sa.PrimaryKeyConstraint("id", name="pk_fetch_tasks"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_fetch_tasks_open_order", "fetch_tasks", ["channel", "channel_order_no"], unique=True,
        schema=SCHEMA, postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "ix_fetch_tasks_due", "fetch_tasks", ["next_attempt_at"], schema=SCHEMA,
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_table(
        "platform_orders",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("platform_status", sa.Text, nullable=False),
        sa.Column("platform_updated_at", _tz(), nullable=False),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        sa.Column("refunded_fen", sa.BigInteger, nullable=False),
        sa.Column("last_source", sa.Text, nullable=False),
        sa.Column("updated_at", _tz(), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("order_id", name="pk_platform_orders"),
        _fk_order("platform_orders"),
        schema=SCHEMA,
    )
    op.create_table(
        "sync_watermarks",
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("shop_id", sa.Text, nullable=False),
        sa.Column("watermark", _tz(), nullable=False),
        sa.Column("last_run_at", _tz(), nullable=False, server_default=now),
        sa.Column("last_listed", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("channel", "shop_id", name="pk_sync_watermarks"),
        schema=SCHEMA,
    )
    op.create_table(
        "mp_sessions",
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("openid", sa.Text, nullable=False),
        sa.Column("session_key", sa.Text, nullable=False),
        sa.Column("created_at", _tz(), nullable=False, server_default=now),
        sa.Column("expires_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_mp_sessions"),
        schema=SCHEMA,
    )
    op.create_index("ix_mp_sessions_openid", "mp_sessions", ["openid"], schema=SCHEMA)
    op.create_table(
        "mp_orders",
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("openid", sa.Text, nullable=False),
        sa.Column("out_trade_no", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("prepay_id", sa.Text),
        sa.Column("transaction_id", sa.Text),
        sa.Column("paid_at", _tz()),
        sa.Column("created_at", _tz(), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("order_id", name="pk_mp_orders"),
        sa.UniqueConstraint("out_trade_no", name="uq_mp_orders_out_trade_no"),
        _fk_order("mp_orders"),
        schema=SCHEMA,
    )
    op.create_index("ix_mp_orders_openid", "mp_orders", ["openid"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("mp_orders", "mp_sessions", "sync_watermarks", "platform_orders", "fetch_tasks", "raw_pushes"):
        op.drop_table(table, schema=SCHEMA)

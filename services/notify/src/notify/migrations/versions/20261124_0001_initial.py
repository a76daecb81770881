"""initial: messaging tables, the delivery log and the recording providers' table

Revision ID: 20261124_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from orderhub_runtime.migrations import create_messaging_tables

revision = "20261124_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "notify"


def upgrade() -> None:
    create_messaging_tables(SCHEMA)
    op.create_table(
        "messages",
        sa.Column("message_id", UUID(as_uuid=True), nullable=False),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("recipient_masked", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("params", JSONB, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("provider_message_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error_code", sa.Text),
        sa.Column("error_detail", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("message_id", name="pk_messages"),
        sa.UniqueConstraint("event_id", "template", "recipient", name="uq_messages_event_id_template_recipient"),
        sa.CheckConstraint("channel IN ('sms', 'wecom')", name="ck_messages_channel"),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed', 'held')", name="ck_messages_status"),
        schema=SCHEMA,
    )
    op.create_index("ix_messages_order_id_created_at", "messages", ["order_id", "created_at"], schema=SCHEMA)
    op.create_index("ix_messages_created_at", "messages", ["created_at"], schema=SCHEMA)
    op.create_table(
        "recorded_sends",
        sa.Column("provider_message_id", sa.Text, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("template_code", sa.Text),
        sa.Column("params", JSONB),
        sa.Column("text", sa.Text),
        sa.Column("out_id", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("provider_message_id", name="pk_recorded_sends"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("recorded_sends", schema=SCHEMA)
    op.drop_index("ix_messages_created_at", "messages", schema=SCHEMA)
    op.drop_index("ix_messages_order_id_created_at", "messages", schema=SCHEMA)
    op.drop_table("messages", schema=SCHEMA)

"""sender: 'sending' status, hold reason, due time and last attempt on the delivery log

Revision ID: 20261124_0002
Revises: 20261124_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "20261124_0002"
down_revision = "20261124_0001"
branch_labels = None
depends_on = None

SCHEMA = "notify"


def _replace_status_check(values: str) -> None:
    # Raw SQL: the metadata's naming convention would rename a check constraint passed through op.*.
    for name in ("ck_messages_status", "ck_messages_ck_messages_status"):
        op.execute(f"ALTER TABLE {SCHEMA}.messages DROP CONSTRAINT IF EXISTS {name}")
    op.execute(f"ALTER TABLE {SCHEMA}.messages ADD CONSTRAINT ck_messages_status CHECK (status IN ({values}))")


def upgrade() -> None:
    op.add_column("messages", sa.Column("hold_reason", sa.Text), schema=SCHEMA)
    op.add_column("messages", sa.Column("not_before", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("messages", sa.Column("last_attempt_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("messages", sa.Column("correlation_id", sa.Text), schema=SCHEMA)
    _replace_status_check("'queued', 'sending', 'sent', 'failed', 'held'")
    op.create_index(
        "ix_messages_due",
        "messages",
        ["not_before"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('queued', 'held')"),
    )
    op.create_index(
        "ix_messages_sending", "messages", ["last_attempt_at"], schema=SCHEMA, postgresql_where=sa.text("status = 'sending'")
    )
    op.create_index("ix_messages_recipient_attempt", "messages", ["recipient", "last_attempt_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_messages_recipient_attempt", "messages", schema=SCHEMA)
    op.drop_index("ix_messages_sending", "messages", schema=SCHEMA)
    op.drop_index("ix_messages_due", "messages", schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.messages SET status = 'queued' WHERE status = 'sending'")
    _replace_status_check("'queued', 'sent', 'failed', 'held'")
    for column in ("correlation_id", "last_attempt_at", "not_before", "hold_reason"):
        op.drop_column("messages", column, schema=SCHEMA)

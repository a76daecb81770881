"""order changes: the receiver an order was last changed to

Revision ID: 20261202_0006
Revises: 20261202_0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261202_0006"
down_revision = "20261202_0005"
branch_labels = None
depends_on = None

SCHEMA = "fulfillment"


def upgrade() -> None:
    op.create_table(
        "receiver_changes",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("receiver", JSONB, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("receiver_changes", schema=SCHEMA)

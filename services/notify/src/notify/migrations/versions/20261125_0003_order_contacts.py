"""order contacts: the customer of each placed order, for messages about events that do not
carry the receiver (order.refunded)

Revision ID: 20261125_0003
Revises: 20261124_0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_0003"
down_revision = "20261124_0002"
branch_labels = None
depends_on = None

SCHEMA = "notify"


def upgrade() -> None:
    op.create_table(
        "order_contacts",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("phone", sa.Text, nullable=False),
        sa.Column("province", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("order_contacts", schema=SCHEMA)

"""early shipments: a shipment seen before its order's placement waits here

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

SCHEMA = "aftersales"


def upgrade() -> None:
    op.create_table(
        "early_shipments",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("waybill_no", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("early_shipments", schema=SCHEMA)

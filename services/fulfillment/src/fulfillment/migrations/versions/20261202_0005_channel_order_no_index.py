"""outbound orders by channel order number: the WMS bridge looks its export rows up by it

Revision ID: 20261202_0005
Revises: 20261202_0004
Create Date: 2026-12-02
"""

from alembic import op

revision = "20261202_0005"
down_revision = "20261202_0004"
branch_labels = None
depends_on = None

SCHEMA = "fulfillment"


def upgrade() -> None:
    op.create_index(
        "ix_outbound_orders_channel_order_no", "outbound_orders", ["channel_order_no"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_orders_channel_order_no", table_name="outbound_orders", schema=SCHEMA)

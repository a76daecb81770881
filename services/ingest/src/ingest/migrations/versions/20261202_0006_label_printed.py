"""label on paper: when fulfillment first put one of the order's parcels on a pick list

Revision ID: 20261202_0006
Revises: 20261124_0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_0006"
down_revision = "20261124_0005"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    op.add_column("orders", sa.Column("label_printed_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("orders", sa.Column("outbound_status", sa.Text), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("orders", "outbound_status", schema=SCHEMA)
    op.drop_column("orders", "label_printed_at", schema=SCHEMA)

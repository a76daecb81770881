"""resolved address on orders: the receiver as resolved (divisions, codes, what failed) and the
most precise division code

Revision ID: 20261202_0003
Revises: 20261124_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261202_0003"
down_revision = "20261124_0002"
branch_labels = None
depends_on = None

SCHEMA = "rules"


def upgrade() -> None:
    op.add_column("orders", sa.Column("resolved_address", JSONB), schema=SCHEMA)
    op.add_column("orders", sa.Column("division_code", sa.Text), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("orders", "division_code", schema=SCHEMA)
    op.drop_column("orders", "resolved_address", schema=SCHEMA)

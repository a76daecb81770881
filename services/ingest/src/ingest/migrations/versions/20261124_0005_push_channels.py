"""push channels: the mini-program order request's idempotency key

Revision ID: 20261124_0005
Revises: 20261124_0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "20261124_0005"
down_revision = "20261124_0004"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    op.add_column("mp_orders", sa.Column("request_key", sa.Text), schema=SCHEMA)
    op.create_index(
        "uq_mp_orders_openid_request_key", "mp_orders", ["openid", "request_key"], unique=True, schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("uq_mp_orders_openid_request_key", table_name="mp_orders", schema=SCHEMA)
    op.drop_column("mp_orders", "request_key", schema=SCHEMA)

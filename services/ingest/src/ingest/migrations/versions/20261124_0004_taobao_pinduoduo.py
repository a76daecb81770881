"""taobao pinduoduo channel tables (reserved slot; empty when the channel needs none)

Revision ID: 20261124_0004
Revises: 20261124_0003
Create Date: 2026-11-24
"""

revision = "20261124_0004"
down_revision = "20261124_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

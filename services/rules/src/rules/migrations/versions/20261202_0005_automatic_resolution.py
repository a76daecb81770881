"""automatic resolution: a level-1 hit that holds nothing is stored resolved as `automatic`

Revision ID: 20261202_0005
Revises: 20261202_0003
Create Date: 2026-12-02
"""

from alembic import op

revision = "20261202_0005"
down_revision = "20261202_0003"
branch_labels = None
depends_on = None

SCHEMA = "rules"


def _replace_check(resolutions: str) -> None:
    """Replace the resolution check under the name it has (the naming convention made it)."""
    check = f"(status = 'resolved') = (resolution IS NOT NULL) AND (resolution IS NULL OR resolution IN ({resolutions}))"
    op.execute(
        f"""
DO $$
DECLARE name text;
BEGIN
    SELECT conname INTO STRICT name FROM pg_constraint
    WHERE conrelid = '{SCHEMA}.anomalies'::regclass AND contype = 'c' AND conname LIKE '%resolution';
    EXECUTE format('ALTER TABLE {SCHEMA}.anomalies DROP CONSTRAINT %I', name);
    EXECUTE format('ALTER TABLE {SCHEMA}.anomalies ADD CONSTRAINT %I CHECK ({check.replace("'", "''")})', name);
END $$
"""
    )


def upgrade() -> None:
    _replace_check("'released', 'cancelled', 'automatic'")
    # The level-1 hits left open by the old behaviour close now, as they would have when raised.
    op.execute(
        "UPDATE rules.anomalies SET status = 'resolved', resolution = 'automatic', resolved_at = now(), "
        "resolved_by = '系统' WHERE level = 1 AND NOT holds AND status <> 'resolved'"
    )


def downgrade() -> None:
    op.execute("UPDATE rules.anomalies SET resolution = 'released' WHERE resolution = 'automatic'")
    _replace_check("'released', 'cancelled'")

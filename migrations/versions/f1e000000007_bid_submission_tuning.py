"""bid submission tuning

Revision ID: f1e000000007
Revises: e1e000000005
Create Date: 2026-11-28 00:30:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'f1e000000007'
down_revision = 'e1e000000005'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled in by the issue that owns this revision


def downgrade():
    pass

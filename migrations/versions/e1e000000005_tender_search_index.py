"""tender search index

Revision ID: e1e000000005
Revises: d2e000000006
Create Date: 2026-11-28 00:30:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'e1e000000005'
down_revision = 'd2e000000006'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled in by the issue that owns this revision


def downgrade():
    pass

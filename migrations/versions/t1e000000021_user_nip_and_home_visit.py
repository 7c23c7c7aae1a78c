"""user NIP (signature blocks of issued documents) and the last visit of the home page

Revision ID: t1e000000021
Revises: s1e000000020
Create Date: 2026-12-06 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types


# revision identifiers, used by Alembic.
revision = 't1e000000021'
down_revision = 's1e000000020'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (nullable): no table rebuild on SQLite.
    op.add_column('user', sa.Column('nip', sa.String(length=18), nullable=True))
    op.add_column('user', sa.Column('home_seen_at', lpse.types.UTCDateTime(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild would drop and recreate
    # "user", which every other table references.
    op.execute('ALTER TABLE "user" DROP COLUMN home_seen_at')
    op.execute('ALTER TABLE "user" DROP COLUMN nip')

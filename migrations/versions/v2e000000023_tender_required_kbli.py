"""tender.required_kbli: the KBLI codes a vendor must hold (Tender Cepat qualifies from the register)

Revision ID: v2e000000023
Revises: v3e000000023
"""

import sqlalchemy as sa
from alembic import op

revision = 'v2e000000023'
down_revision = 'v3e000000023'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'tender',
        sa.Column('required_kbli', sa.String(length=200), nullable=False, server_default=''),
    )


def downgrade():
    # In place (a batch rebuild of "tender" would trip SQLite's foreign keys).
    op.execute('ALTER TABLE tender DROP COLUMN required_kbli')

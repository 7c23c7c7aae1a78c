"""CRL history: every CRL the CA issued (the audit bundle's CRL at each milestone)

Revision ID: u1e000000022
Revises: t1e000000021
"""

import sqlalchemy as sa
from alembic import op

from lpse.types import UTCDateTime

revision = 'u1e000000022'
down_revision = 't1e000000021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'crl_history',
        sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('crl_pem', sa.Text(), nullable=False),
        sa.Column('issued_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('number', name=op.f('pk_crl_history')),
    )
    op.create_index(op.f('ix_crl_history_issued_at'), 'crl_history', ['issued_at'])
    # An instance that already has a CA keeps its current CRL as the first one in the history.
    op.execute(
        'INSERT INTO crl_history (number, crl_pem, issued_at) '
        'SELECT crl_number, crl_pem, crl_updated_at FROM pki_authority'
    )


def downgrade():
    op.drop_index(op.f('ix_crl_history_issued_at'), table_name='crl_history')
    op.drop_table('crl_history')

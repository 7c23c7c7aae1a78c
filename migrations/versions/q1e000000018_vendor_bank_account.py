"""vendor bank account (payments; the red flags compare it across bidders)

Revision ID: q1e000000018
Revises: m1e000000014
Create Date: 2026-12-05 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q1e000000018'
down_revision = 'm1e000000014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vendor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('bank_account', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('vendor', schema=None) as batch_op:
        batch_op.drop_column('bank_account')
        batch_op.drop_column('bank_name')

"""red flags: the PDF metadata of opened envelopes, kept so reading flags never decrypts again

Revision ID: v3e000000023
Revises: v1e000000023
"""

import sqlalchemy as sa
from alembic import op

revision = 'v3e000000023'
down_revision = 'v1e000000023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'red_flag_pdf_meta',
        sa.Column('opened_bid_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('envelope_sha256', sa.String(length=64), nullable=False),
        sa.Column('fields', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['opened_bid_id'],
            ['opened_bid.id'],
            name=op.f('fk_red_flag_pdf_meta_opened_bid_id_opened_bid'),
        ),
        sa.PrimaryKeyConstraint('opened_bid_id', name=op.f('pk_red_flag_pdf_meta')),
    )


def downgrade():
    op.drop_table('red_flag_pdf_meta')

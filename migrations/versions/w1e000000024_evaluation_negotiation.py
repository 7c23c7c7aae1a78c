"""evaluation_negotiation: the clarification and negotiation of a seleksi (HN per line)

Revision ID: w1e000000024
Revises: v2e000000023
"""

import sqlalchemy as sa
from alembic import op

import lpse.types

revision = 'w1e000000024'
down_revision = 'v2e000000023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evaluation_negotiation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('bid_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('technical_notes', sa.Text(), nullable=False),
        sa.Column('price_notes', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('lines', sa.Text(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=False),
        sa.Column('entered_at', lpse.types.UTCDateTime(), nullable=False),
        sa.Column('document_id', sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "status IN ('agreed', 'failed')", name=op.f('ck_evaluation_negotiation_known_status')
        ),
        sa.CheckConstraint(
            "status = 'agreed' OR length(trim(reason)) > 0",
            name=op.f('ck_evaluation_negotiation_failure_has_reason'),
        ),
        sa.ForeignKeyConstraint(
            ['bid_id'], ['bid.id'], name=op.f('fk_evaluation_negotiation_bid_id_bid')
        ),
        sa.ForeignKeyConstraint(
            ['document_id'],
            ['issued_document.id'],
            name=op.f('fk_evaluation_negotiation_document_id_issued_document'),
        ),
        sa.ForeignKeyConstraint(
            ['entered_by_id'],
            ['user.id'],
            name=op.f('fk_evaluation_negotiation_entered_by_id_user'),
        ),
        sa.ForeignKeyConstraint(
            ['version_id'],
            ['evaluation_version.id'],
            name=op.f('fk_evaluation_negotiation_version_id_evaluation_version'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_negotiation')),
        sa.UniqueConstraint('version_id', 'bid_id', name='uq_evaluation_negotiation_bid'),
    )
    op.create_index(
        op.f('ix_evaluation_negotiation_version_id'),
        'evaluation_negotiation',
        ['version_id'],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f('ix_evaluation_negotiation_version_id'), table_name='evaluation_negotiation')
    op.drop_table('evaluation_negotiation')

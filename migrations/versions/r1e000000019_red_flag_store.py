"""red flags stored per tender, refreshed when their data change (lpse.redflags.store)

Revision ID: r1e000000019
Revises: q1e000000018
Create Date: 2026-12-05 16:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types


# revision identifiers, used by Alembic.
revision = 'r1e000000019'
down_revision = 'q1e000000018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'red_flag_summary',
        sa.Column('tender_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('flag_count', sa.Integer(), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.Column('rules', sa.String(length=500), nullable=False),
        sa.Column('edges', sa.Text(), nullable=False),
        sa.Column('bidders', sa.Text(), nullable=False),
        sa.Column('winner_vendor_id', sa.Integer(), nullable=True),
        sa.Column('computed_at', lpse.types.UTCDateTime(), nullable=False),
        sa.Column('basis_seq', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_red_flag_summary_agency_id_agency')),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_red_flag_summary_tender_id_tender')),
        sa.PrimaryKeyConstraint('tender_id', name=op.f('pk_red_flag_summary')),
    )
    op.create_index('ix_red_flag_summary_agency_rank', 'red_flag_summary', ['agency_id', 'flag_count'], unique=False)
    op.create_table(
        'red_flag_mark',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.Column('last_run_at', lpse.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_red_flag_mark')),
    )


def downgrade():
    op.drop_table('red_flag_mark')
    op.drop_index('ix_red_flag_summary_agency_rank', table_name='red_flag_summary')
    op.drop_table('red_flag_summary')

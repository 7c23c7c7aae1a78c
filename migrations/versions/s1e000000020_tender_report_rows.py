"""per-tender report rows for the auditor reports (lpse.auditor.reports.store)

Revision ID: s1e000000020
Revises: r1e000000019
Create Date: 2026-12-06 01:55:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types


# revision identifiers, used by Alembic.
revision = 's1e000000020'
down_revision = 'r1e000000019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tender_report_row',
        sa.Column('tender_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('work_unit_id', sa.Integer(), nullable=True),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('selection_method', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('superseded', sa.Boolean(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('hps', sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column('winning_price', sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column('winner_vendor_id', sa.Integer(), nullable=True),
        sa.Column('bidder_count', sa.Integer(), nullable=False),
        sa.Column('bid_deadline', lpse.types.UTCDateTime(), nullable=True),
        sa.Column('announced_at', lpse.types.UTCDateTime(), nullable=False),
        sa.Column('awarded_at', lpse.types.UTCDateTime(), nullable=True),
        sa.Column('contract_signed_at', lpse.types.UTCDateTime(), nullable=True),
        sa.Column('days_to_award', sa.Integer(), nullable=True),
        sa.Column('days_to_contract', sa.Integer(), nullable=True),
        sa.Column('objections_filed', sa.Integer(), nullable=False),
        sa.Column('objections_accepted', sa.Integer(), nullable=False),
        sa.Column('end_reason', sa.Text(), nullable=True),
        sa.Column('computed_at', lpse.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_tender_report_row_agency_id_agency')),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_tender_report_row_tender_id_tender')),
        sa.PrimaryKeyConstraint('tender_id', name=op.f('pk_tender_report_row')),
    )
    op.create_index('ix_tender_report_row_agency_year', 'tender_report_row', ['agency_id', 'fiscal_year'], unique=False)
    op.create_index('ix_tender_report_row_year', 'tender_report_row', ['fiscal_year'], unique=False)
    op.create_index('ix_tender_report_row_hps', 'tender_report_row', ['hps'], unique=False)
    op.create_index(op.f('ix_tender_report_row_code'), 'tender_report_row', ['code'], unique=False)
    op.create_index('ix_tender_report_row_figures', 'tender_report_row', ['superseded', 'outcome', 'status', 'bidder_count', 'bid_deadline', 'hps', 'winning_price', 'objections_filed', 'objections_accepted', 'days_to_award', 'days_to_contract', 'agency_id', 'fiscal_year', 'category', 'selection_method', 'work_unit_id'], unique=False)
    op.create_table(
        'tender_report_bid',
        sa.Column('tender_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('vendor_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('won', sa.Boolean(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('work_unit_id', sa.Integer(), nullable=True),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('selection_method', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('superseded', sa.Boolean(), nullable=False),
        sa.Column('hps', sa.Numeric(precision=20, scale=2), nullable=False),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_tender_report_bid_tender_id_tender')),
        sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_tender_report_bid_vendor_id_vendor')),
        sa.PrimaryKeyConstraint('tender_id', 'vendor_id', name=op.f('pk_tender_report_bid')),
    )
    op.create_index('ix_tender_report_bid_vendor_totals', 'tender_report_bid', ['superseded', 'vendor_id', 'won', 'agency_id', 'fiscal_year', 'category', 'selection_method', 'status', 'work_unit_id', 'hps'], unique=False)
    op.create_index('ix_tender_report_bid_agency', 'tender_report_bid', ['agency_id', 'superseded', 'vendor_id', 'won'], unique=False)
    op.create_table(
        'tender_report_mark',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.Column('last_run_at', lpse.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_report_mark')),
    )


def downgrade():
    op.drop_table('tender_report_mark')
    op.drop_index('ix_tender_report_bid_agency', table_name='tender_report_bid')
    op.drop_index('ix_tender_report_bid_vendor_totals', table_name='tender_report_bid')
    op.drop_table('tender_report_bid')
    op.drop_index('ix_tender_report_row_figures', table_name='tender_report_row')
    op.drop_index(op.f('ix_tender_report_row_code'), table_name='tender_report_row')
    op.drop_index('ix_tender_report_row_hps', table_name='tender_report_row')
    op.drop_index('ix_tender_report_row_year', table_name='tender_report_row')
    op.drop_index('ix_tender_report_row_agency_year', table_name='tender_report_row')
    op.drop_table('tender_report_row')

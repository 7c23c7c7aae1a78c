"""report totals per filter combination (lpse.auditor.reports.sums), the row deadline and bid slice indexes

Revision ID: v1e000000023
Revises: u1e000000022
"""

import sqlalchemy as sa
from alembic import op

from lpse.types import UTCDateTime

revision = 'v1e000000023'
down_revision = 'u1e000000022'
branch_labels = None
depends_on = None

SLICE = ('agency_id', 'fiscal_year', 'category', 'selection_method', 'status', 'superseded')


def _slice_columns():
    return [
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('selection_method', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('superseded', sa.Boolean(), nullable=False),
    ]


def upgrade():
    # The totals start empty and unsummed (summed_at NULL): the figures read the rows until
    # the next refresh sums them.
    op.create_table(
        'tender_report_sum',
        *_slice_columns(),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('bidder_count', sa.Integer(), nullable=False),
        sa.Column('tenders', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('priced', sa.Integer(), nullable=False),
        sa.Column('hps', sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column('price', sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column('filed', sa.Integer(), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('objected', sa.Integer(), nullable=False),
        sa.Column('award_n', sa.Integer(), nullable=False),
        sa.Column('award_sum', sa.BigInteger(), nullable=False),
        sa.Column('award_min', sa.Integer(), nullable=True),
        sa.Column('award_max', sa.Integer(), nullable=True),
        sa.Column('contract_n', sa.Integer(), nullable=False),
        sa.Column('contract_sum', sa.BigInteger(), nullable=False),
        sa.Column('contract_min', sa.Integer(), nullable=True),
        sa.Column('contract_max', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(*SLICE, 'outcome', 'bidder_count', name=op.f('pk_tender_report_sum')),
    )
    op.create_table(
        'tender_report_vendor_sum',
        *_slice_columns(),
        sa.Column('vendor_id', sa.Integer(), nullable=False),
        sa.Column('bids', sa.Integer(), nullable=False),
        sa.Column('wins', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*SLICE, 'vendor_id', name=op.f('pk_tender_report_vendor_sum')),
    )
    op.create_index(
        'ix_tender_report_vendor_sum_vendor',
        'tender_report_vendor_sum',
        ['superseded', 'vendor_id', 'bids', 'wins', 'agency_id', 'fiscal_year', 'category',
         'selection_method', 'status'],
    )  # fmt: skip
    op.create_index('ix_tender_report_row_deadline', 'tender_report_row', ['bid_deadline'])
    op.create_index(
        'ix_tender_report_bid_slice',
        'tender_report_bid',
        [*SLICE, 'vendor_id', 'won'],
    )
    # Plain ADD COLUMN (nullable): no table rebuild on SQLite.
    op.add_column('tender_report_mark', sa.Column('summed_at', UTCDateTime(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL), as in t1e000000021.
    op.execute('ALTER TABLE tender_report_mark DROP COLUMN summed_at')
    op.drop_index('ix_tender_report_bid_slice', table_name='tender_report_bid')
    op.drop_index('ix_tender_report_row_deadline', table_name='tender_report_row')
    op.drop_index('ix_tender_report_vendor_sum_vendor', table_name='tender_report_vendor_sum')
    op.drop_table('tender_report_vendor_sum')
    op.drop_table('tender_report_sum')

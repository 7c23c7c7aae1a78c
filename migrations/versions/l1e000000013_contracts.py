"""contracts: the contract, its amendments, SPMK and BAST; tender.handed_over_at

Revision ID: l1e000000013
Revises: k1e000000012
Create Date: 2026-12-05 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'l1e000000013'
down_revision = 'k1e000000012'
branch_labels = None
depends_on = None

OLD_KINDS = "('sample', 'bid_receipt', 'bid_commitment', 'opening_minutes', 'evaluation_report', 'award_letter', 'winner_announcement', 'objection_answer')"
NEW_KINDS = "('sample', 'bid_receipt', 'bid_commitment', 'opening_minutes', 'evaluation_report', 'award_letter', 'winner_announcement', 'objection_answer', 'contract', 'contract_amendment', 'spmk', 'bast')"
# The milestone columns of the tender table at this revision (lpse.tenders.stages.MILESTONES).
MILESTONES = ('bids_opened_at', 'winner_decided_at', 'winner_announced_at', 'award_issued_at', 'contract_signed_at', 'handed_over_at')
STATUSES = "('draft', 'changes_requested', 'accepted', 'vendor_signed', 'signed')"


def _document_kinds(kinds):
    """Recreate ck_issued_document_known_kind (DOCUMENT_KINDS gained the contract documents)."""
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_issued_document_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', f'kind IN {kinds}')


def _instrument_columns():
    """The columns both signed instruments share (lpse.contracts.models.Instrument)."""
    return [
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('draft_id', sa.String(length=20), nullable=False),
        sa.Column('draft_sha256', sa.String(length=64), nullable=False),
        sa.Column('draft_data', sa.Text(), nullable=False),
        sa.Column('checkpoint_id', sa.Integer(), nullable=True),
        sa.Column('drafted_at', lpse.types.UTCDateTime(), nullable=False),
        sa.Column('drafted_by_id', sa.Integer(), nullable=False),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('reviewed_at', lpse.types.UTCDateTime(), nullable=True),
        sa.Column('vendor_signed_sha256', sa.String(length=64), nullable=True),
        sa.Column('vendor_signed_at', lpse.types.UTCDateTime(), nullable=True),
        sa.Column('vendor_certificate_id', sa.Integer(), nullable=True),
        sa.Column('signed_at', lpse.types.UTCDateTime(), nullable=True),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.String(length=20), nullable=True),
    ]


def _instrument_constraints(table):
    return [
        sa.CheckConstraint(f'status IN {STATUSES}', name=op.f(f'ck_{table}_known_status')),
        sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoint.id'], name=op.f(f'fk_{table}_checkpoint_id_audit_checkpoint')),
        sa.ForeignKeyConstraint(['drafted_by_id'], ['user.id'], name=op.f(f'fk_{table}_drafted_by_id_user')),
        sa.ForeignKeyConstraint(['vendor_certificate_id'], ['certificate.id'], name=op.f(f'fk_{table}_vendor_certificate_id_certificate')),
        sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f(f'fk_{table}_signed_by_id_user')),
        sa.ForeignKeyConstraint(['document_id'], ['issued_document.id'], name=op.f(f'fk_{table}_document_id_issued_document')),
        sa.UniqueConstraint('draft_id', name=op.f(f'uq_{table}_draft_id')),
    ]


def _build_timelines():
    """The derived stage now never lags behind the recorded milestones: rebuild the timelines."""
    from lpse.tenders import stage_index

    bind = op.get_bind()
    listed = bind.execute(
        sa.text('SELECT id FROM tender WHERE published_at IS NOT NULL AND NOT superseded')
    ).scalars().all()
    for start in range(0, len(listed), 500):
        stage_index.write(bind, listed[start:start + 500], milestones=MILESTONES)


def upgrade():
    _document_kinds(NEW_KINDS)
    op.add_column('tender', sa.Column('handed_over_at', lpse.types.UTCDateTime(), nullable=True))
    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('bond_amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('bond_base', sa.String(length=10), nullable=False),
    sa.Column('bond_number', sa.String(length=100), nullable=False),
    sa.Column('bond_issuer', sa.String(length=200), nullable=False),
    sa.Column('bond_valid_until', sa.Date(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('payment_terms', sa.Text(), nullable=False),
    sa.Column('boq', sa.Text(), nullable=False),
    sa.Column('spmk_document_id', sa.String(length=20), nullable=True),
    sa.Column('spmk_issued_at', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('work_starts_on', sa.Date(), nullable=True),
    sa.Column('bast_document_id', sa.String(length=20), nullable=True),
    sa.Column('handed_over_at', lpse.types.UTCDateTime(), nullable=True),
    *_instrument_columns(),
    sa.CheckConstraint("form IN ('spk', 'surat_perjanjian')", name=op.f('ck_contract_known_form')),
    sa.CheckConstraint("bond_base IN ('contract', 'hps')", name=op.f('ck_contract_known_bond_base')),
    sa.CheckConstraint('value > 0 AND bond_amount >= 0', name=op.f('ck_contract_positive_amounts')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_contract_ends_after_start')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_contract_tender_id_tender')),
    sa.ForeignKeyConstraint(['award_id'], ['award_letter.id'], name=op.f('fk_contract_award_id_award_letter')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_contract_vendor_id_vendor')),
    sa.ForeignKeyConstraint(['spmk_document_id'], ['issued_document.id'], name=op.f('fk_contract_spmk_document_id_issued_document')),
    sa.ForeignKeyConstraint(['bast_document_id'], ['issued_document.id'], name=op.f('fk_contract_bast_document_id_issued_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('tender_id', name=op.f('uq_contract_tender_id')),
    sa.UniqueConstraint('award_id', name=op.f('uq_contract_award_id')),
    *_instrument_constraints('contract'),
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('contract_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('new_ends_on', sa.Date(), nullable=True),
    *_instrument_columns(),
    sa.CheckConstraint('new_value IS NULL OR new_value > 0', name=op.f('ck_contract_amendment_positive_value')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_amendment_contract_id_contract')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_amendment')),
    sa.UniqueConstraint('contract_id', 'seq', name='uq_contract_amendment_seq'),
    *_instrument_constraints('contract_amendment'),
    )
    with op.batch_alter_table('contract_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_amendment_contract_id'), ['contract_id'], unique=False)
    _build_timelines()


def downgrade():
    with op.batch_alter_table('contract_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_amendment_contract_id'))
    op.drop_table('contract_amendment')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_vendor_id'))
    op.drop_table('contract')
    # Not a batch: on SQLite that recreates `tender`, which every other table references.
    op.execute('ALTER TABLE tender DROP COLUMN handed_over_at')
    _document_kinds(OLD_KINDS)

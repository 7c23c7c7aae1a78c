"""objections and award

Revision ID: d2e000000006
Revises: d1e000000004
Create Date: 2026-11-28 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'd2e000000006'
down_revision = 'd1e000000004'
branch_labels = None
depends_on = None


OLD_KINDS = "('sample', 'bid_receipt', 'bid_commitment', 'opening_minutes', 'evaluation_report', 'award_letter')"
NEW_KINDS = "('sample', 'bid_receipt', 'bid_commitment', 'opening_minutes', 'evaluation_report', 'award_letter', 'winner_announcement', 'objection_answer')"


def _document_kinds(kinds):
    """Recreate ck_issued_document_known_kind (DOCUMENT_KINDS gained the winner announcement
    and the objection answer)."""
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_issued_document_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', f'kind IN {kinds}')


def upgrade():
    op.create_table('winner_announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_version', sa.Integer(), nullable=False),
    sa.Column('announced_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('announced_by_id', sa.Integer(), nullable=False),
    sa.Column('objection_ends_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('answer_due_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.Column('bahp_document_id', sa.String(length=20), nullable=True),
    sa.Column('notice_document_id', sa.String(length=20), nullable=True),
    sa.Column('withdrawn_at', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)', name=op.f('ck_winner_announcement_withdrawal_has_reason')),
    sa.CheckConstraint('answer_due_at >= objection_ends_at', name=op.f('ck_winner_announcement_answers_due_after_period')),
    sa.CheckConstraint('objection_ends_at > announced_at', name=op.f('ck_winner_announcement_objection_period_not_empty')),
    sa.ForeignKeyConstraint(['announced_by_id'], ['user.id'], name=op.f('fk_winner_announcement_announced_by_id_user')),
    sa.ForeignKeyConstraint(['bahp_document_id'], ['issued_document.id'], name=op.f('fk_winner_announcement_bahp_document_id_issued_document')),
    sa.ForeignKeyConstraint(['notice_document_id'], ['issued_document.id'], name=op.f('fk_winner_announcement_notice_document_id_issued_document')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_winner_announcement_tender_id_tender')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_winner_announcement')),
    sa.UniqueConstraint('tender_id', 'evaluation_version', name='uq_winner_announcement_version')
    )
    with op.batch_alter_table('winner_announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_winner_announcement_tender_id'), ['tender_id'], unique=False)

    op.create_table('award_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('performance_bond', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('contract_deadline', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('issued_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=20), nullable=True),
    sa.CheckConstraint('amount > 0 AND performance_bond >= 0', name=op.f('ck_award_letter_positive_amounts')),
    sa.ForeignKeyConstraint(['announcement_id'], ['winner_announcement.id'], name=op.f('fk_award_letter_announcement_id_winner_announcement')),
    sa.ForeignKeyConstraint(['document_id'], ['issued_document.id'], name=op.f('fk_award_letter_document_id_issued_document')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_award_letter_issued_by_id_user')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_award_letter_tender_id_tender')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_award_letter_vendor_id_vendor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_letter')),
    sa.UniqueConstraint('tender_id', name=op.f('uq_award_letter_tender_id'))
    )
    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('filed_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('consequence', sa.String(length=20), nullable=True),
    sa.Column('answered_at', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_late', sa.Boolean(), nullable=False),
    sa.Column('answer_document_id', sa.String(length=20), nullable=True),
    sa.CheckConstraint("(status = 'accepted') = (consequence IS NOT NULL)", name=op.f('ck_objection_accepted_has_consequence')),
    sa.CheckConstraint("(status = 'pending') = (answered_at IS NULL)", name=op.f('ck_objection_answered_iff_decided')),
    sa.CheckConstraint("consequence IS NULL OR consequence IN ('reevaluate', 'fail')", name=op.f('ck_objection_known_consequence')),
    sa.CheckConstraint("status = 'pending' OR (answer IS NOT NULL AND answered_by_id IS NOT NULL)", name=op.f('ck_objection_answer_has_text_and_author')),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name=op.f('ck_objection_known_status')),
    sa.ForeignKeyConstraint(['announcement_id'], ['winner_announcement.id'], name=op.f('fk_objection_announcement_id_winner_announcement')),
    sa.ForeignKeyConstraint(['answer_document_id'], ['issued_document.id'], name=op.f('fk_objection_answer_document_id_issued_document')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_objection_answered_by_id_user')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user.id'], name=op.f('fk_objection_filed_by_id_user')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_objection_tender_id_tender')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_objection_vendor_id_vendor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('announcement_id', 'vendor_id', name='uq_objection_one_per_vendor')
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_tender_id'), ['tender_id'], unique=False)

    op.create_table('objection_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_objection_attachment_not_empty')),
    sa.ForeignKeyConstraint(['objection_id'], ['objection.id'], name=op.f('fk_objection_attachment_objection_id_objection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_attachment'))
    )
    with op.batch_alter_table('objection_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_attachment_objection_id'), ['objection_id'], unique=False)
    _document_kinds(NEW_KINDS)


def downgrade():
    _document_kinds(OLD_KINDS)
    with op.batch_alter_table('objection_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_attachment_objection_id'))

    op.drop_table('objection_attachment')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_tender_id'))
        batch_op.drop_index(batch_op.f('ix_objection_announcement_id'))

    op.drop_table('objection')
    op.drop_table('award_letter')
    with op.batch_alter_table('winner_announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_winner_announcement_tender_id'))

    op.drop_table('winner_announcement')

"""evaluation

Revision ID: d1e000000004
Revises: c1e000000003
Create Date: 2026-11-28 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'd1e000000004'
down_revision = 'c1e000000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('superseded_at', lpse.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_evaluation_version_number_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_evaluation_version_created_by_id_user')),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_evaluation_version_tender_id_tender')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_version')),
    sa.UniqueConstraint('tender_id', 'number', name='uq_evaluation_version_number')
    )
    with op.batch_alter_table('evaluation_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_version_tender_id'), ['tender_id'], unique=False)

    op.create_table('evaluation_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('criteria', sa.Text(), nullable=True),
    sa.Column('tie_order', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', lpse.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'tie_break') = (passed IS NULL)", name=op.f('ck_evaluation_entry_verdict_unless_tie')),
    sa.CheckConstraint("(kind = 'tie_break') = (tie_order IS NOT NULL)", name=op.f('ck_evaluation_entry_tie_order_iff')),
    sa.CheckConstraint("kind IN ('administration', 'qualification', 'technical', 'clarification', 'pembuktian', 'tie_break')", name=op.f('ck_evaluation_entry_known_kind')),
    sa.CheckConstraint('passed IS NULL OR passed OR length(trim(reason)) > 0', name=op.f('ck_evaluation_entry_failure_has_reason')),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name=op.f('ck_evaluation_entry_score_in_range')),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_evaluation_entry_bid_id_bid')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_evaluation_entry_entered_by_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['evaluation_version.id'], name=op.f('fk_evaluation_entry_version_id_evaluation_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_entry')),
    sa.UniqueConstraint('version_id', 'bid_id', 'kind', name='uq_evaluation_entry_kind')
    )
    with op.batch_alter_table('evaluation_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_entry_version_id'), ['version_id'], unique=False)

    op.create_table('evaluation_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('winner_bid_id', sa.Integer(), nullable=False),
    sa.Column('reserves', sa.Text(), nullable=False),
    sa.Column('case_json', sa.Text(), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('decided_at', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('superseded_at', lpse.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("(status = 'approved') = (decided_at IS NOT NULL)", name=op.f('ck_evaluation_proposal_decided_iff_approved')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'superseded')", name=op.f('ck_evaluation_proposal_known_status')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_evaluation_proposal_proposed_by_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['evaluation_version.id'], name=op.f('fk_evaluation_proposal_version_id_evaluation_version')),
    sa.ForeignKeyConstraint(['winner_bid_id'], ['bid.id'], name=op.f('fk_evaluation_proposal_winner_bid_id_bid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_proposal'))
    )
    with op.batch_alter_table('evaluation_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_proposal_version_id'), ['version_id'], unique=False)

    op.create_table('evaluation_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', lpse.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['evaluation_proposal.id'], name=op.f('fk_evaluation_approval_proposal_id_evaluation_proposal')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_evaluation_approval_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_approval')),
    sa.UniqueConstraint('proposal_id', 'user_id', name='uq_evaluation_approval_user')
    )
    with op.batch_alter_table('evaluation_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_approval_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evaluation_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_approval_proposal_id'))

    op.drop_table('evaluation_approval')
    with op.batch_alter_table('evaluation_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_proposal_version_id'))

    op.drop_table('evaluation_proposal')
    with op.batch_alter_table('evaluation_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_entry_version_id'))

    op.drop_table('evaluation_entry')
    with op.batch_alter_table('evaluation_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_version_tender_id'))

    op.drop_table('evaluation_version')

"""auditor scope (national, agencies, tenders, end date); audit log search indexes and the
event → tender index

Revision ID: j1e000000011
Revises: i1e000000010
Create Date: 2026-12-05 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'j1e000000011'
down_revision = 'i1e000000010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auditor_scope',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('national', sa.Boolean(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('updated_at', lpse.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_auditor_scope_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_auditor_scope'))
    )
    op.create_table('auditor_scope_agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_auditor_scope_agency_agency_id_agency')),
    sa.ForeignKeyConstraint(['user_id'], ['auditor_scope.user_id'], name=op.f('fk_auditor_scope_agency_user_id_auditor_scope'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditor_scope_agency')),
    sa.UniqueConstraint('user_id', 'agency_id', name='uq_auditor_scope_agency_user_id_agency_id')
    )
    with op.batch_alter_table('auditor_scope_agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditor_scope_agency_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditor_scope_agency_user_id'), ['user_id'], unique=False)
    op.create_table('auditor_scope_tender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tender_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['auditor_scope.user_id'], name=op.f('fk_auditor_scope_tender_user_id_auditor_scope'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditor_scope_tender')),
    sa.UniqueConstraint('user_id', 'tender_code', name='uq_auditor_scope_tender_user_id_tender_code')
    )
    with op.batch_alter_table('auditor_scope_tender', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditor_scope_tender_tender_code'), ['tender_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditor_scope_tender_user_id'), ['user_id'], unique=False)
    op.create_table('audit_event_tender',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['seq'], ['audit_event.seq'], name=op.f('fk_audit_event_tender_seq_audit_event')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_event_tender'))
    )
    op.create_index('ix_audit_event_tender_tender_id_seq', 'audit_event_tender', ['tender_id', 'seq'], unique=False)
    # Indexes only: audit_event is append-only (its triggers refuse UPDATE), so no batch rebuild.
    op.create_index('ix_audit_event_actor_ip', 'audit_event', ['actor_ip'], unique=False)
    op.create_index('ix_audit_event_occurred_at', 'audit_event', ['occurred_at'], unique=False)
    op.create_index('ix_audit_event_object', 'audit_event', ['object_type', 'object_id'], unique=False)
    _backfill_tenders()


def _backfill_tenders():
    """Earlier events about a tender itself, or about a row carrying a tender_id (a bid, an
    opened bid, an objection…): found through their object, as lpse.audit records new ones."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    bind.execute(sa.text(
        "INSERT INTO audit_event_tender (seq, tender_id) SELECT e.seq, t.id FROM audit_event e "
        "JOIN tender t ON CAST(t.id AS VARCHAR(80)) = e.object_id WHERE e.object_type = 'tender'"
    ))
    types = [r[0] for r in bind.execute(sa.text(
        "SELECT DISTINCT object_type FROM audit_event WHERE object_type IS NOT NULL"))]
    tables = set(inspector.get_table_names())
    for name in types:
        if name == 'tender' or name not in tables:
            continue
        if 'tender_id' not in {c['name'] for c in inspector.get_columns(name)}:
            continue
        bind.execute(sa.text(
            f'INSERT INTO audit_event_tender (seq, tender_id) SELECT e.seq, o.tender_id '  # noqa: S608
            f'FROM audit_event e JOIN "{name}" o ON CAST(o.id AS VARCHAR(80)) = e.object_id '
            f"WHERE e.object_type = :name AND o.tender_id IS NOT NULL"
        ), {'name': name})


def downgrade():
    op.drop_index('ix_audit_event_object', table_name='audit_event')
    op.drop_index('ix_audit_event_occurred_at', table_name='audit_event')
    op.drop_index('ix_audit_event_actor_ip', table_name='audit_event')
    op.drop_index('ix_audit_event_tender_tender_id_seq', table_name='audit_event_tender')
    op.drop_table('audit_event_tender')
    with op.batch_alter_table('auditor_scope_tender', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditor_scope_tender_user_id'))
        batch_op.drop_index(batch_op.f('ix_auditor_scope_tender_tender_code'))
    op.drop_table('auditor_scope_tender')
    with op.batch_alter_table('auditor_scope_agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditor_scope_agency_user_id'))
        batch_op.drop_index(batch_op.f('ix_auditor_scope_agency_agency_id'))
    op.drop_table('auditor_scope_agency')
    op.drop_table('auditor_scope')

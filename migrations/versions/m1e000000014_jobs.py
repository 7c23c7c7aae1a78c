"""jobs: the durable record of queued work

Revision ID: m1e000000014
Revises: l1e000000013
Create Date: 2026-12-05 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'm1e000000014'
down_revision = 'l1e000000013'
branch_labels = None
depends_on = None

LIVE = "status != 'failed'"


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('result_sha256', sa.String(length=64), nullable=True),
    sa.Column('result_name', sa.String(length=255), nullable=True),
    sa.Column('result_type', sa.String(length=100), nullable=True),
    sa.Column('result_meta', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('tender_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', lpse.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_job_known_status')),
    sa.CheckConstraint('done >= 0 AND (total IS NULL OR done <= total)', name=op.f('ck_job_progress')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_job_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_job_tender_id_tender'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_actor', ['actor_id'], unique=False)
        batch_op.create_index('ix_job_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(
            'uq_job_kind_key_live',
            ['kind', 'key'],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('uq_job_kind_key_live')
        batch_op.drop_index('ix_job_status_created')
        batch_op.drop_index('ix_job_actor')

    op.drop_table('job')

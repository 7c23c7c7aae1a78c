"""merkle log: tree nodes, the head's right edge, C2SP checkpoints, witness cosignatures, reconcile runs

Revision ID: i1e000000010
Revises: h1e000000009
Create Date: 2026-12-05 09:00:00.000000

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'i1e000000010'
down_revision = 'h1e000000009'
branch_labels = None
depends_on = None

BLOCK_LEVEL = 3  # lpse.tlog: subtrees of 2**3 leaves and more are stored

APPEND_ONLY = {
    'postgresql': [
        """CREATE FUNCTION audit_tree_node_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit_tree_node is append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_tree_node_no_update BEFORE UPDATE OR DELETE ON audit_tree_node
           FOR EACH ROW EXECUTE FUNCTION audit_tree_node_append_only()""",
    ],
    'sqlite': [
        """CREATE TRIGGER audit_tree_node_no_update BEFORE UPDATE ON audit_tree_node
           BEGIN SELECT RAISE(ABORT, 'audit_tree_node is append-only'); END""",
        """CREATE TRIGGER audit_tree_node_no_delete BEFORE DELETE ON audit_tree_node
           BEGIN SELECT RAISE(ABORT, 'audit_tree_node is append-only'); END""",
    ],
}


def upgrade():
    op.create_table('audit_tree_node',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_audit_tree_node'))
    )
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frontier', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('root_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    op.create_table('checkpoint_cosignature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('witness', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('cosigned_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('received_at', lpse.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoint.id'], name=op.f('fk_checkpoint_cosignature_checkpoint_id_audit_checkpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint_cosignature')),
    sa.UniqueConstraint('checkpoint_id', 'witness', 'key_id', name=op.f('uq_checkpoint_cosignature_checkpoint_id'))
    )
    with op.batch_alter_table('checkpoint_cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoint_cosignature_checkpoint_id'), ['checkpoint_id'], unique=False)
    op.create_table('reconcile_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tables_done', sa.Integer(), nullable=False),
    sa.Column('tables_total', sa.Integer(), nullable=False),
    sa.Column('difference_count', sa.Integer(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_reconcile_run_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconcile_run'))
    )
    _backfill_tree()
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def _backfill_tree():
    """Subtrees (of eight leaves and more) for the events logged before the tree existed, the head's right edge,
    and the root of each earlier checkpoint (their notes stay empty: signing needs the system
    key's passphrase, which a migration does not have)."""
    bind = op.get_bind()
    event_table = sa.table(
        'audit_event', sa.column('seq', sa.BigInteger()),
        sa.column('occurred_at', lpse.types.UTCDateTime()), sa.column('actor_id', sa.Integer()),
        *(sa.column(name, sa.Text()) for name in (
            'actor_ip', 'action', 'object_type', 'object_id', 'payload')),
    )
    events = bind.execute(sa.select(event_table).order_by(event_table.c.seq)).mappings()
    edge, rows, roots = [], [], {}
    wanted = {r.seq for r in bind.execute(sa.text('SELECT seq FROM audit_checkpoint'))}
    node = lambda left, right: hashlib.sha256(b'\x01' + left + right).digest()  # noqa: E731
    for index, event in enumerate(events):
        fields = {
            'seq': event['seq'],
            'occurred_at': event['occurred_at'].strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
            'actor_id': event['actor_id'],
            'actor_ip': event['actor_ip'],
            'action': event['action'],
            'object_type': event['object_type'],
            'object_id': event['object_id'],
            'payload': event['payload'],
        }
        text = json.dumps(fields, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
        level, idx, value = 0, index, hashlib.sha256(b'\x00' + text.encode('utf-8')).digest()
        while edge and edge[-1][0] == level:
            value = node(edge.pop()[1], value)
            level, idx = level + 1, idx >> 1
            if level >= BLOCK_LEVEL:  # smaller subtrees are hashed from their events (lpse.tlog)
                rows.append({'level': level, 'idx': idx, 'hash': value})
        edge.append((level, value))
        if index + 1 in wanted:
            roots[index + 1] = _root(edge, node)
        if len(rows) >= 5000:
            _insert(rows)
            rows = []
    _insert(rows)
    bind.execute(
        sa.text('UPDATE audit_head SET frontier = :edge WHERE id = 1'),
        {'edge': b''.join(value for _, value in edge)},
    )
    for seq, root in roots.items():
        bind.execute(
            sa.text('UPDATE audit_checkpoint SET root_hash = :root WHERE seq = :seq'),
            {'root': root.hex(), 'seq': seq},
        )


def _root(edge, node):
    value = edge[-1][1]
    for _, left in reversed(edge[:-1]):
        value = node(left, value)
    return value


def _insert(rows):
    if rows:
        op.bulk_insert(sa.table(
            'audit_tree_node', sa.column('level', sa.SmallInteger()),
            sa.column('idx', sa.BigInteger()), sa.column('hash', sa.LargeBinary()),
        ), rows)


def downgrade():
    op.drop_table('reconcile_run')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_tree_node_no_update ON audit_tree_node')
        op.execute('DROP FUNCTION IF EXISTS audit_tree_node_append_only()')
    with op.batch_alter_table('checkpoint_cosignature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_cosignature_checkpoint_id'))
    op.drop_table('checkpoint_cosignature')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('root_hash')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('frontier')
    op.drop_table('audit_tree_node')

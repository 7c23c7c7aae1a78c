"""issued documents: the auditor's signed PDF report is an issued document (kind
'audit_report'), so its verify address and /verify know it

Revision ID: y1e000000026
Revises: x1e000000025
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = 'y1e000000026'
down_revision = 'x1e000000025'
branch_labels = None
depends_on = None

KINDS = (
    'sample',
    'bid_receipt',
    'bid_commitment',
    'opening_minutes',
    'evaluation_report',
    'award_letter',
    'winner_announcement',
    'objection_answer',
    'contract',
    'contract_amendment',
    'spmk',
    'bast',
    'qualification_form',
    'qualification_report',
    'qualification_announcement',
    'audit_report',
)


def _sql_in(values):
    return '(' + ', '.join(f"'{v}'" for v in values) + ')'


def _document_kinds(kinds):
    """Recreate ck_issued_document_known_kind (as x1e000000025 does: on SQLite the batch rebuild
    drops a table others refer to, so foreign keys are off for it, outside a transaction)."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        raw = bind.connection.dbapi_connection
        if raw.in_transaction:
            raw.commit()
        raw.execute('PRAGMA foreign_keys = OFF')
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_issued_document_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', f'kind IN {_sql_in(kinds)}')
    if bind.dialect.name == 'sqlite':
        bad = [
            row
            for row in bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if row[2] == 'issued_document'
        ]
        if bad:
            raise RuntimeError(f'foreign keys broken by the rebuild: {bad[:5]}')


def upgrade():
    _document_kinds(KINDS)


def downgrade():
    op.execute("DELETE FROM issued_document WHERE kind = 'audit_report'")
    _document_kinds(KINDS[:-1])

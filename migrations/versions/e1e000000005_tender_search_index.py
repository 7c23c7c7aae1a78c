"""tender search index

Revision ID: e1e000000005
Revises: d2e000000006
Create Date: 2026-11-28 00:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import lpse.types

# revision identifiers, used by Alembic.
revision = 'e1e000000005'
down_revision = 'd2e000000006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tender_addendum', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('affects_bids', sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    # The search index now carries each listed tender's sort keys and filter columns, so a
    # composite (word, sort key, id) index serves ORDER BY … LIMIT directly. It is derived
    # data: rebuilt from the tenders below.
    with op.batch_alter_table('tender_search_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_search_token_tender_id'))
    op.drop_table('tender_search_token')
    op.create_table('tender_search_token',
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('published_at', lpse.types.UTCDateTime(), nullable=False),
    sa.Column('bid_deadline', lpse.types.UTCDateTime(), nullable=True),
    sa.Column('hps', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_tender_search_token_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tender_id', 'token', name=op.f('pk_tender_search_token'))
    )
    with op.batch_alter_table('tender_search_token', schema=None) as batch_op:
        batch_op.create_index('ix_tender_search_token_deadline', ['token', 'bid_deadline', 'tender_id'], unique=False)
        batch_op.create_index('ix_tender_search_token_hps', ['token', 'hps', 'tender_id'], unique=False)
        batch_op.create_index('ix_tender_search_token_newest', ['token', 'published_at', 'tender_id'], unique=False)
        batch_op.create_index('ix_tender_search_token_year', ['token', 'fiscal_year', 'published_at', 'tender_id'], unique=False)
    _rebuild_index()


def _rebuild_index():
    from lpse.tenders import search

    bind = op.get_bind()
    listed = bind.execute(
        sa.text(
            'SELECT t.id, t.code, t.title, t.description, t.published_at, t.bid_deadline, '
            't.hps, t.category, t.agency_id, t.fiscal_year, a.code AS agency_code, '
            'a.name AS agency_name FROM tender t JOIN agency a ON a.id = t.agency_id '
            'WHERE t.published_at IS NOT NULL AND NOT t.superseded'
        )
    ).mappings()
    # Untyped columns: each value goes back exactly as the database returned it.
    table = sa.table(
        'tender_search_token',
        *(sa.column(name) for name in search.ROW_COLUMNS),
    )
    rows = []
    for tender in listed:
        rows += search.index_rows(tender, tender['agency_code'], tender['agency_name'])
        if len(rows) > 5000:
            bind.execute(table.insert(), rows)
            rows = []
    if rows:
        bind.execute(table.insert(), rows)


def _rebuild_old_index():
    """The previous index: (word, tender) of every tender, drafts included."""
    from lpse.tenders import search

    bind = op.get_bind()
    tenders = bind.execute(
        sa.text(
            'SELECT t.id, t.code, t.title, t.description, a.code AS agency_code, '
            'a.name AS agency_name FROM tender t JOIN agency a ON a.id = t.agency_id'
        )
    ).mappings()
    table = sa.table('tender_search_token', sa.column('token'), sa.column('tender_id'))
    rows = [
        {'token': word, 'tender_id': t['id']}
        for t in tenders
        for word in search.text_words(t, t['agency_code'], t['agency_name'])
    ]
    if rows:
        bind.execute(table.insert(), rows)


def downgrade():
    with op.batch_alter_table('tender_search_token', schema=None) as batch_op:
        batch_op.drop_index('ix_tender_search_token_year')
        batch_op.drop_index('ix_tender_search_token_newest')
        batch_op.drop_index('ix_tender_search_token_hps')
        batch_op.drop_index('ix_tender_search_token_deadline')
    op.drop_table('tender_search_token')
    op.create_table('tender_search_token',
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_tender_search_token_tender_id_tender'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', 'tender_id', name=op.f('pk_tender_search_token'))
    )
    with op.batch_alter_table('tender_search_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_search_token_tender_id'), ['tender_id'], unique=False)
    _rebuild_old_index()

    with op.batch_alter_table('tender_addendum', schema=None) as batch_op:
        batch_op.drop_column('affects_bids')

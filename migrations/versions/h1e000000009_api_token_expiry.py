"""api token expiry

Revision ID: h1e000000009
Revises: g1e000000008
Create Date: 2026-12-05 08:00:00.000000

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
import lpse.types  # noqa: F401 — custom column types used by autogenerate


# revision identifiers, used by Alembic.
revision = 'h1e000000009'
down_revision = 'g1e000000008'
branch_labels = None
depends_on = None

# Tokens made before expiry existed get a full default lifetime from the upgrade, not from their
# creation: their scripts keep working for 90 days and their owners have time to replace them.
EXISTING_TOKEN_DAYS = 90


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', lpse.types.UTCDateTime(), nullable=True))
    api_token = sa.table('api_token', sa.column('expires_at', lpse.types.UTCDateTime()))
    expires_at = datetime.now(UTC) + timedelta(days=EXISTING_TOKEN_DAYS)
    op.execute(api_token.update().values(expires_at=expires_at))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column(
            'expires_at', existing_type=lpse.types.UTCDateTime(), nullable=False
        )


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

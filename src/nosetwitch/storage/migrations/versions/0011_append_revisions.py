"""append revisions: which of the owner's latest writes only added episodes (readers fetch those)

Revision ID: 0011_append_revisions
Revises: 0004_sessions
Create Date: 2026-12-03 07:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_append_revisions'
down_revision = '0004_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appended_revision', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('appends_since', sa.BigInteger(), server_default='0', nullable=False))
    # Nothing is known about the writes so far: an empty run of appends at the current
    # revision, so a copy kept from before the upgrade is read again whole.
    op.execute('UPDATE users SET appended_revision = revision, appends_since = revision')
    op.create_index('ix_episodes_owner_pk', 'episodes', ['owner_id', 'pk'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_episodes_owner_pk', table_name='episodes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('appends_since')
        batch_op.drop_column('appended_revision')

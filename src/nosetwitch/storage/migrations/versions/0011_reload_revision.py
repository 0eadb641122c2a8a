"""reload_revision: the revision of the owner's last write that did more than log new episodes

Revision ID: 0011_reload_revision
Revises: 0004_sessions
Create Date: 2026-12-03 07:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_reload_revision'
down_revision = '0004_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reload_revision', sa.BigInteger(), server_default='0', nullable=False))
    # Nothing is known about the writes so far: count the last one as a whole change,
    # so a copy kept from before the upgrade is read again whole.
    op.execute('UPDATE users SET reload_revision = revision')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reload_revision')

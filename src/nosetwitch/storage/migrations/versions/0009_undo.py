"""undo_actions: what an action changed, for a few minutes, so that its confirmation can undo it

Revision ID: 0009_undo
Revises: 0006_devices
Create Date: 2026-12-03 04:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_undo'
down_revision = '0005_health_sources'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('undo_actions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('then', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_undo_actions_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_undo_actions'))
    )
    with op.batch_alter_table('undo_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_undo_actions_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('undo_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_undo_actions_owner_id'))
    op.drop_table('undo_actions')

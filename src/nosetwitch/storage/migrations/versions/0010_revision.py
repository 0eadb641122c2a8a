"""revision: a per-owner diary revision and episode-id counter (exact freshness across processes)

Revision ID: 0010_revision
Revises: 0003_own_factors
Create Date: 2026-12-03 03:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_revision'
down_revision = '0003_own_factors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_episode_number', sa.Integer(), server_default='0', nullable=False))
    # Start each owner's counter at the highest e<n> id already stored, so fresh ids follow them.
    bind = op.get_bind()
    highest: dict[int, int] = {}
    for table in ('episodes', 'symptoms'):
        for owner_id, record_id in bind.execute(sa.text(f'SELECT owner_id, id FROM {table}')):
            suffix = record_id[1:]
            if record_id.startswith('e') and suffix.isascii() and suffix.isdigit():
                highest[owner_id] = max(highest.get(owner_id, 0), int(suffix))
    for owner_id, number in highest.items():
        bind.execute(sa.text('UPDATE users SET last_episode_number = :n WHERE id = :owner'), {'n': number, 'owner': owner_id})


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_episode_number')
        batch_op.drop_column('revision')

"""devices and reminders: phones paired in local mode, the daily check-in reminder

Revision ID: 0006_devices
Revises: 0002_experiments
Create Date: 2026-12-03 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_devices'
down_revision = '0010_revision'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('paired_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_devices_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_devices')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_owner_id'), ['owner_id'], unique=False)
    op.create_table('reminders',
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('at_minute', sa.SmallInteger(), nullable=False),
    sa.Column('days', sa.String(length=32), nullable=False),
    sa.Column('calendar_token', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_reminders_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('owner_id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('calendar_token', name=op.f('uq_reminders_calendar_token'))
    )


def downgrade() -> None:
    op.drop_table('reminders')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_owner_id'))
    op.drop_table('devices')

"""health sources: where imported day check-in values came from (import-health)

Revision ID: 0005_health_sources
Revises: 0006_devices
Create Date: 2026-12-03 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_health_sources'
down_revision = '0007_check_records'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('day_factor_sources',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('factor', sa.String(length=48), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_day_factor_sources_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_day_factor_sources')),
    sa.UniqueConstraint('owner_id', 'date', 'factor', name=op.f('uq_day_factor_sources_owner_id_date_factor'))
    )
    with op.batch_alter_table('day_factor_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_day_factor_sources_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('day_factor_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_day_factor_sources_owner_id'))
    op.drop_table('day_factor_sources')

"""own factors: a person's own day factors (format version 2)

Revision ID: 0003_own_factors
Revises: 0002_experiments
Create Date: 2026-12-03 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_own_factors'
down_revision = '0002_experiments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_factors', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('day_checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('day_checkins', schema=None) as batch_op:
        batch_op.drop_column('own')
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_column('own_factors')

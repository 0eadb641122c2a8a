"""check_records: which symptoms and medicines one answer of the check made (undo)

Revision ID: 0007_check_records
Revises: 0002_experiments
Create Date: 2026-12-03 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_check_records'
down_revision = '0006_devices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('check_records',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.String(length=32), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.Column('symptom_pk', sa.Integer(), nullable=True),
    sa.Column('medication_pk', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_check_records_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['symptom_pk'], ['symptoms.pk'], name=op.f('fk_check_records_symptom_pk_symptoms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['medication_pk'], ['medications.pk'], name=op.f('fk_check_records_medication_pk_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_check_records'))
    )
    with op.batch_alter_table('check_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_records_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_records_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_records_symptom_pk'), ['symptom_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_records_medication_pk'), ['medication_pk'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('check_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_records_medication_pk'))
        batch_op.drop_index(batch_op.f('ix_check_records_symptom_pk'))
        batch_op.drop_index(batch_op.f('ix_check_records_check_id'))
        batch_op.drop_index(batch_op.f('ix_check_records_owner_id'))
    op.drop_table('check_records')

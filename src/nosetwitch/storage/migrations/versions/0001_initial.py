"""initial schema: users, profiles, medications, episodes, symptoms, days, remedies

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-24 13:30:02.534599
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('day_checkins',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('sleep_h', sa.Double(), nullable=True),
    sa.Column('caffeine_mg', sa.Double(), nullable=True),
    sa.Column('nicotine_units', sa.Double(), nullable=True),
    sa.Column('alcohol_units', sa.Double(), nullable=True),
    sa.Column('stress', sa.SmallInteger(), nullable=True),
    sa.Column('water_l', sa.Double(), nullable=True),
    sa.Column('magnesium_mg', sa.Double(), nullable=True),
    sa.Column('potassium_mg', sa.Double(), nullable=True),
    sa.Column('calcium_mg', sa.Double(), nullable=True),
    sa.Column('facial_strain', sa.SmallInteger(), nullable=True),
    sa.Column('screen_h', sa.Double(), nullable=True),
    sa.Column('exercise_min', sa.Double(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_day_checkins_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_day_checkins')),
    sa.UniqueConstraint('owner_id', 'date', name=op.f('uq_day_checkins_owner_id_date'))
    )
    with op.batch_alter_table('day_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_day_checkins_owner_id'), ['owner_id'], unique=False)

    op.create_table('episodes',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('started_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('duration_s', sa.Double(), nullable=True),
    sa.Column('intensity', sa.SmallInteger(), nullable=True),
    sa.Column('side', sa.String(length=16), nullable=True),
    sa.Column('visible', sa.Boolean(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_episodes_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_episodes')),
    sa.UniqueConstraint('owner_id', 'id', name=op.f('uq_episodes_owner_id_id'))
    )
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_episodes_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_episodes_owner_started', ['owner_id', 'started_at'], unique=False)

    op.create_table('medications',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('dose', sa.Text(), nullable=True),
    sa.Column('started', sa.Date(), nullable=True),
    sa.Column('stopped', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_medications_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_medications'))
    )
    with op.batch_alter_table('medications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medications_owner_id'), ['owner_id'], unique=False)

    op.create_table('profiles',
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('sex', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_profiles_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('owner_id', name=op.f('pk_profiles'))
    )
    op.create_table('symptoms',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('onset', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('started_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('side', sa.String(length=16), nullable=True),
    sa.Column('region', sa.String(length=16), nullable=True),
    sa.Column('severity', sa.SmallInteger(), nullable=True),
    sa.Column('detail', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_symptoms_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_symptoms')),
    sa.UniqueConstraint('owner_id', 'id', name=op.f('uq_symptoms_owner_id_id'))
    )
    with op.batch_alter_table('symptoms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_symptoms_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_symptoms_owner_started', ['owner_id', 'started_at'], unique=False)

    op.create_table('episode_interferences',
    sa.Column('episode_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['episode_pk'], ['episodes.pk'], name=op.f('fk_episode_interferences_episode_pk_episodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_episode_interferences_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('episode_pk', 'position', name=op.f('pk_episode_interferences'))
    )
    with op.batch_alter_table('episode_interferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_episode_interferences_owner_id'), ['owner_id'], unique=False)

    op.create_table('episode_sites',
    sa.Column('episode_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['episode_pk'], ['episodes.pk'], name=op.f('fk_episode_sites_episode_pk_episodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_episode_sites_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('episode_pk', 'position', name=op.f('pk_episode_sites'))
    )
    with op.batch_alter_table('episode_sites', schema=None) as batch_op:
        batch_op.create_index('ix_episode_sites_owner_site', ['owner_id', 'site'], unique=False)

    op.create_table('remedies',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('at_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('episode_pk', sa.Integer(), nullable=True),
    sa.Column('helped', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['episode_pk'], ['episodes.pk'], name=op.f('fk_remedies_episode_pk_episodes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_remedies_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_remedies'))
    )
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedies_episode_pk'), ['episode_pk'], unique=False)
        batch_op.create_index('ix_remedies_owner_at', ['owner_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedies_owner_id'), ['owner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedies_owner_id'))
        batch_op.drop_index('ix_remedies_owner_at')
        batch_op.drop_index(batch_op.f('ix_remedies_episode_pk'))

    op.drop_table('remedies')
    with op.batch_alter_table('episode_sites', schema=None) as batch_op:
        batch_op.drop_index('ix_episode_sites_owner_site')

    op.drop_table('episode_sites')
    with op.batch_alter_table('episode_interferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_episode_interferences_owner_id'))

    op.drop_table('episode_interferences')
    with op.batch_alter_table('symptoms', schema=None) as batch_op:
        batch_op.drop_index('ix_symptoms_owner_started')
        batch_op.drop_index(batch_op.f('ix_symptoms_owner_id'))

    op.drop_table('symptoms')
    op.drop_table('profiles')
    with op.batch_alter_table('medications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medications_owner_id'))

    op.drop_table('medications')
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_index('ix_episodes_owner_started')
        batch_op.drop_index(batch_op.f('ix_episodes_owner_id'))

    op.drop_table('episodes')
    with op.batch_alter_table('day_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_day_checkins_owner_id'))

    op.drop_table('day_checkins')
    op.drop_table('users')

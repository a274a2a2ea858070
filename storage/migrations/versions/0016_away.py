"""away records

A member working away (di lam an xa) has a record of its own beside `member.status`: where,
why, from and until when, how (inform, temporary exemption, temporary transfer), the host
chi bo of a transfer, and the return with its comment.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 11:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'awayrecord',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('arrangement', sa.String(length=12), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('contact_phone', sa.String(length=20), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('host_org_id', sa.Integer(), nullable=True),
        sa.Column('host_name', sa.String(length=200), nullable=True),
        sa.Column('arrived_on', sa.Date(), nullable=True),
        sa.Column('returned_on', sa.Date(), nullable=True),
        sa.Column('comment', sa.JSON(), nullable=True),
        sa.Column('comment_at_meeting', sa.Boolean(), nullable=False),
        sa.Column('asked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_contact_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['host_org_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_awayrecord_member_id', 'awayrecord', ['member_id'], unique=False)
    op.create_index('ix_awayrecord_branch_open', 'awayrecord', ['branch_id', 'returned_on'],
                    unique=False)
    op.create_index('ix_awayrecord_host_open', 'awayrecord', ['host_org_id', 'returned_on'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_awayrecord_host_open', table_name='awayrecord')
    op.drop_index('ix_awayrecord_branch_open', table_name='awayrecord')
    op.drop_index('ix_awayrecord_member_id', table_name='awayrecord')
    op.drop_table('awayrecord')

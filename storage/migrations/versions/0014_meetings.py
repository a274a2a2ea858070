"""meetings

Meeting plans (a rule such as "ngay 3, 19:30" per chi bo or to dang), the meetings they
produce and one-off meetings, and per member the reminder, the answer and the attendance.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 11:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'meetingplan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('rule', sa.String(length=120), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['member.id']),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_meetingplan_org_id', 'meetingplan', ['org_id'], unique=False)
    op.create_table(
        'meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=True),
        sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('agenda', sa.String(length=1000), nullable=True),
        sa.Column('documents', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('marked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('marked_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['member.id']),
        sa.ForeignKeyConstraint(['marked_by'], ['member.id']),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['plan_id'], ['meetingplan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('plan_id', 'period'),
    )
    op.create_index('ix_meeting_org_id', 'meeting', ['org_id'], unique=False)
    op.create_index('ix_meeting_starts', 'meeting', ['starts_at'], unique=False)
    op.create_table(
        'meetingattendee',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('counted', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('answer', sa.String(length=8), nullable=True),
        sa.Column('reason', sa.String(length=12), nullable=True),
        sa.Column('reason_text', sa.String(length=300), nullable=True),
        sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attendance', sa.String(length=12), nullable=True),
        sa.Column('marked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id']),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']),
        sa.PrimaryKeyConstraint('meeting_id', 'member_id'),
    )
    op.create_index('ix_meetingattendee_member_id', 'meetingattendee', ['member_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_meetingattendee_member_id', table_name='meetingattendee')
    op.drop_table('meetingattendee')
    op.drop_index('ix_meeting_starts', table_name='meeting')
    op.drop_index('ix_meeting_org_id', table_name='meeting')
    op.drop_table('meeting')
    op.drop_index('ix_meetingplan_org_id', table_name='meetingplan')
    op.drop_table('meetingplan')

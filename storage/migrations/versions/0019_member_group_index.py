"""member group index

The reminders' audience and the planner's sizes read members by their to dang.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_member_group_id'), 'member', ['group_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_member_group_id'), table_name='member')

"""exemption rules

Exempted members choose whether meeting reminders still reach them (opt-in), and a recorded
decision keeps what documents need beyond its date and number: the votes, and for a retired
cadre's consent the managing committee that gave it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of `member` would trip the foreign keys pointing at it.
    op.add_column('member', sa.Column('meeting_reminders_opt_in', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column('requestdecision', sa.Column('detail', sa.JSON(), nullable=False,
                                               server_default='{}'))


def downgrade() -> None:
    op.drop_column('requestdecision', 'detail')
    op.drop_column('member', 'meeting_reminders_opt_in')

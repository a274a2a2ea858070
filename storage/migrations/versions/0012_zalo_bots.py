"""zalo bots

Zalo's free plan gives each bot 50 users and 3,000 messages a month, so a deployment runs
several bots: an invite code names the bot its member is to write to, and each bot's
accepted messages are counted per calendar month.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'botusage',
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('bot', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('warned', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'bot', 'month'),
    )
    with op.batch_alter_table('invitecode', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bot', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invitecode', schema=None) as batch_op:
        batch_op.drop_column('bot')
    op.drop_table('botusage')

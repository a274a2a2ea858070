"""outbox claim order index

The claim takes queued messages by priority (interactive first), then in the order they
were queued; an index in exactly that order lets it stop after one batch instead of
sorting every queued message.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 20:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')
        batch_op.create_index('ix_outbox_claim', ['status', sa.text('priority DESC'), 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_claim')
        batch_op.create_index('ix_outbox_due', ['status', 'priority', 'next_attempt_at'],
                              unique=False)

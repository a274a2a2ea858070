"""inbox follow-up mark

A button press is answered (and its keyboard removed) after its update's transaction
commits; the mark says it was, so a restart can finish the presses a dead process left.
Rows handled before this revision count as followed up.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inboxupdate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followed_up_at',
                                      storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_inbox_follow_up', ['followed_up_at', 'id'], unique=False)
    op.execute("UPDATE inboxupdate SET followed_up_at = processed_at "
               "WHERE processed_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('inboxupdate', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_follow_up')
        batch_op.drop_column('followed_up_at')

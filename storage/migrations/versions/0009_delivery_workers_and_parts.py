"""delivery workers and message parts

Each delivery worker keeps a heartbeat row, and a claim names its worker, so that the
claims of a dead worker are re-queued at once instead of after the lease. An outbox row
counts the parts (attachment, pieces of a long text) already sent, so that a retry
resumes at the first unsent part, and its 429s apart from its failures.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'deliveryworker',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('host', sa.String(length=64), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('throttles', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('throttles')
        batch_op.drop_column('parts_sent')
        batch_op.drop_column('claimed_by')
    op.drop_table('deliveryworker')

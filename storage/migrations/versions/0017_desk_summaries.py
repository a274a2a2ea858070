"""desk summaries

A chi bo's members, reductions, exemptions and members away, per month: the secretary's
desk and `chibot report` read deployment-wide rates from these rows.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'branchmonth',
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('reduced', sa.Integer(), nullable=False),
        sa.Column('exempted', sa.Integer(), nullable=False),
        sa.Column('away', sa.Integer(), nullable=False),
        sa.Column('computed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('branch_id', 'month'),
    )
    op.create_index('ix_branchmonth_month', 'branchmonth', ['month'])


def downgrade() -> None:
    op.drop_index('ix_branchmonth_month', table_name='branchmonth')
    op.drop_table('branchmonth')

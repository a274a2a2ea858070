"""delivery worker channels

Workers sending on one channel share its rate: each row says which channels its worker sends.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('deliveryworker') as batch:
        batch.add_column(sa.Column('channels', sa.String(length=200), server_default='',
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('deliveryworker') as batch:
        batch.drop_column('channels')

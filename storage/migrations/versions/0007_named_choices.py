"""named choices, consent version per account

Options of a message that arrives on its own (an officer's notice, later a meeting
reminder) are picked on text channels by a named code such as "1 12", never by a bare
number; each chat keeps the codes it was shown. Each chat account remembers which version
of the consent text its member agreed to, so a member is asked again when it changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('named', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('chataccount', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE chataccount SET consent_version = (SELECT consent.version FROM consent"
        " WHERE consent.member_id = chataccount.member_id ORDER BY consent.id DESC LIMIT 1)")


def downgrade() -> None:
    with op.batch_alter_table('chataccount', schema=None) as batch_op:
        batch_op.drop_column('consent_version')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('named')

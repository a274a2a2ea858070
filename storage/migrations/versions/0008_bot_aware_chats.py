"""bot-aware chats

A channel may run several bots (Zalo's free plan: 50 users per bot), so the inbox key, the
chat account and a reply in the outbox name the bot. Existing rows get '' (the channel's
only bot).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0002 left the inbox key unnamed: PostgreSQL named it itself; on SQLite, batch mode names
# reflected unnamed constraints by this convention so that one can be dropped.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_OLD_KEY = {"sqlite": "uq_inboxupdate_channel_update_id",
            "postgresql": "inboxupdate_channel_update_id_key"}


def _bot_column() -> sa.Column:
    return sa.Column('bot', sa.String(length=40), nullable=False, server_default='')


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('inboxupdate', schema=None,
                              naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.add_column(_bot_column())
        batch_op.drop_constraint(_OLD_KEY[dialect], type_='unique')
        batch_op.create_unique_constraint('uq_inbox_update', ['channel', 'bot', 'update_id'])
    with op.batch_alter_table('chataccount', schema=None) as batch_op:
        batch_op.add_column(_bot_column())
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(_bot_column())


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('bot')
    with op.batch_alter_table('chataccount', schema=None) as batch_op:
        batch_op.drop_column('bot')
    with op.batch_alter_table('inboxupdate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_inbox_update', type_='unique')
        batch_op.create_unique_constraint('inboxupdate_channel_update_id_key',
                                          ['channel', 'update_id'])
        batch_op.drop_column('bot')

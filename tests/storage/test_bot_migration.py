"""Migration 0008 keeps existing chats and updates (on the channel's only bot) and keys by bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.settings import Settings
from storage import migrate
from storage.db import Database

NOW = "2026-11-21 02:00:00+00:00"
INBOX = ("INSERT INTO inboxupdate (channel, {bot}update_id, chat_id, payload, received_at, "
         "attempts) VALUES ('zalo', {value}'m1', 'c1', '{{}}', '" + NOW + "', 0)")


@pytest.fixture
async def before(settings: Settings) -> AsyncIterator[Database]:
    """A database at 0006 holding one update and one linked chat account."""
    database = Database(settings.effective_database_url)
    if database.engine.dialect.name == "postgresql":
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(database, "0006")
    await _run(database, INBOX.format(bot="", value=""))
    await _run(database, "INSERT INTO organisation (code, name, kind) "
                         "VALUES ('B1', 'Chi bộ 1', 'branch')")
    await _run(database, "INSERT INTO member (roster_id, full_name, branch_id, is_retired_cadre, "
                         "status, created_at, updated_at) "
                         f"VALUES ('R1', 'A', 1, false, 'active', '{NOW}', '{NOW}')")
    await _run(database, "INSERT INTO chataccount (channel, user_id, chat_id, member_id, "
                         "linked_at, last_seen_at) "
                         f"VALUES ('zalo', 'u1', 'c1', 1, '{NOW}', '{NOW}')")
    yield database
    await database.dispose()


async def _run(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.session() as session:
        result = await session.exec(text(sql))  # type: ignore[call-overload]
        return [tuple(row) for row in result] if result.returns_rows else []


async def test_existing_rows_are_on_the_only_bot_and_the_inbox_key_names_the_bot(
    before: Database,
) -> None:
    await migrate.upgrade(before)

    assert await _run(before, "SELECT bot FROM inboxupdate") == [("",)]
    assert await _run(before, "SELECT bot FROM chataccount") == [("",)]
    on_bot_2 = INBOX.format(bot="bot, ", value="'b2', ")
    await _run(before, on_bot_2)  # the same message id on another bot: a new update
    with pytest.raises(IntegrityError):  # the same bot's message again: a duplicate
        await _run(before, on_bot_2)


async def test_downgrade_restores_the_old_key(before: Database) -> None:
    await migrate.upgrade(before)

    def downgrade(connection: Connection) -> None:
        command.downgrade(migrate.alembic_config(before.url, connection), "0006")

    async with before.connection() as connection:
        await connection.run_sync(downgrade)
    with pytest.raises(IntegrityError):
        await _run(before, INBOX.format(bot="", value=""))

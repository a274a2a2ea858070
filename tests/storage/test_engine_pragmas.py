"""SQLite connections run in WAL mode, wait for locks, and enforce foreign keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.settings import Settings
from storage import migrate
from storage.db import Database
from storage.models import Member

BUSY_TIMEOUT_MS = 1234


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'chibot.db'}",
                        busy_timeout_ms=BUSY_TIMEOUT_MS)
    await migrate.upgrade(database)
    yield database
    await database.dispose()


async def _pragma(connection: AsyncConnection, name: str) -> object:
    return (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()


async def test_every_connection_gets_the_pragmas(sqlite_db: Database) -> None:
    """Two connections checked out at once (two pool members) both carry the settings."""
    async with sqlite_db.engine.connect() as first:
        found = [await _pragma(first, name) for name in ("journal_mode", "busy_timeout",
                                                         "foreign_keys")]
        await first.commit()  # one transaction at a time: each takes the write lock
        async with sqlite_db.engine.connect() as second:
            assert second.sync_connection is not first.sync_connection
            found += [await _pragma(second, name) for name in ("journal_mode", "busy_timeout",
                                                               "foreign_keys")]
    assert found == ["wal", BUSY_TIMEOUT_MS, 1] * 2


async def test_concurrent_writers_wait_for_each_other(sqlite_db: Database) -> None:
    """Transactions that read then write at the same moment all succeed, none 'locked'."""
    import asyncio

    from sqlmodel import select

    from storage.models import Organisation, OrgKind

    async def writer(number: int) -> None:
        async with sqlite_db.session() as session:
            await session.exec(select(Organisation))  # read first, then write
            await asyncio.sleep(0.01)
            session.add(Organisation(code=f"O{number}", name="x", kind=OrgKind.BRANCH))

    await asyncio.gather(*(writer(n) for n in range(8)))
    async with sqlite_db.session() as session:
        assert len((await session.exec(select(Organisation))).all()) == 8


async def test_default_busy_timeout_comes_from_settings(tmp_path: Path) -> None:
    """Without a configured value the engine waits the settings' default for a lock."""
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="")
    database = Database(settings.effective_database_url,
                        busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    try:
        async with database.engine.connect() as connection:
            assert await _pragma(connection, "busy_timeout") == settings.sqlite_busy_timeout_ms
            assert await _pragma(connection, "journal_mode") == "wal"
    finally:
        await database.dispose()


async def test_foreign_keys_are_enforced(sqlite_db: Database) -> None:
    """A member pointing at a branch that does not exist is refused, as on PostgreSQL."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        async with sqlite_db.session() as session:
            session.add(Member(roster_id="R1", full_name="Nguyễn Văn A", branch_id=999,
                               created_at=now, updated_at=now))


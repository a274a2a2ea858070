"""SQLite connections run in WAL mode, wait for locks without blocking, enforce foreign keys."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select

from bot.cli.common import run_with_db
from storage import migrate
from storage.db import Database
from storage.models import Member, Organisation, OrgKind
from vocabulary.settings import Settings

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
    """Two connections checked out at once (two pool members) both carry the settings.

    SQLite's own busy handler is off: it would sleep on the event loop's thread.
    """
    async with sqlite_db.engine.connect() as first:
        found = [await _pragma(first, name) for name in ("journal_mode", "busy_timeout",
                                                         "foreign_keys")]
        await first.commit()  # one transaction at a time: each takes the write lock
        async with sqlite_db.engine.connect() as second:
            assert second.sync_connection is not first.sync_connection
            found += [await _pragma(second, name) for name in ("journal_mode", "busy_timeout",
                                                               "foreign_keys")]
    assert found == ["wal", 0, 1] * 2


def _other_process_writes(tmp_path: Path) -> sqlite3.Connection:
    """A connection of 'another process' (a CLI command) holding the write lock."""
    other = sqlite3.connect(tmp_path / "data" / "chibot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_writer_of_another_process_is_waited_for_without_blocking(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """The session starts once the other process commits; the loop keeps running meanwhile."""
    other = _other_process_writes(tmp_path)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    asyncio.get_running_loop().call_later(0.3, other.commit)
    async with sqlite_db.session() as session:
        session.add(Organisation(code="X", name="x", kind=OrgKind.BRANCH))
    ticking.cancel()
    other.close()
    assert ticks >= 15  # about 30 in 0.3 s; a blocked loop would have ticked hardly at all
    async with sqlite_db.session() as session:
        assert len((await session.exec(select(Organisation))).all()) == 1


async def test_commands_wait_for_another_process_too(sqlite_db: Database, tmp_path: Path) -> None:
    """Every CLI command first checks the schema; it waits for a writer, as sessions do."""
    other = _other_process_writes(tmp_path)
    asyncio.get_running_loop().call_later(0.3, other.commit)
    assert await migrate.is_current(sqlite_db)
    await migrate.upgrade(sqlite_db)
    other.close()


async def test_a_lock_held_past_the_busy_timeout_is_an_error(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = _other_process_writes(tmp_path)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        async with sqlite_db.session():
            pass
    other.rollback()
    other.close()
    assert time.monotonic() - started >= BUSY_TIMEOUT_MS / 1000


async def test_a_nested_session_in_one_task_fails_instead_of_hanging(sqlite_db: Database) -> None:
    """A programming error (a second transaction inside the first) ends after the timeout."""
    with pytest.raises(OperationalError, match="locked"):
        async with sqlite_db.session(), sqlite_db.session():
            pass


async def test_concurrent_writers_wait_for_each_other(sqlite_db: Database) -> None:
    """Transactions that read then write at the same moment all succeed, none 'locked'."""

    async def writer(number: int) -> None:
        async with sqlite_db.session() as session:
            await session.exec(select(Organisation))  # read first, then write
            await asyncio.sleep(0.01)
            session.add(Organisation(code=f"O{number}", name="x", kind=OrgKind.BRANCH))

    await asyncio.gather(*(writer(n) for n in range(8)))
    async with sqlite_db.session() as session:
        assert len((await session.exec(select(Organisation))).all()) == 8


async def test_default_busy_timeout_comes_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's database waits the settings' busy timeout for another process's lock."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("CHIBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHIBOT_DATABASE_URL", "")
    monkeypatch.setenv("CHIBOT_SQLITE_BUSY_TIMEOUT_MS", "300")

    async def blocked(database: Database, _settings: Settings) -> float:
        other = _other_process_writes(tmp_path)
        started = time.monotonic()
        try:
            async with database.session():
                pass
        except OperationalError:
            return time.monotonic() - started
        finally:
            other.close()
        return 0.0

    waited = await asyncio.to_thread(run_with_db, blocked, needs_schema=False)
    assert 0.3 <= waited < 3


async def test_foreign_keys_are_enforced(sqlite_db: Database) -> None:
    """A member pointing at a branch that does not exist is refused, as on PostgreSQL."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        async with sqlite_db.session() as session:
            session.add(Member(roster_id="R1", full_name="Nguyễn Văn A", branch_id=999,
                               created_at=now, updated_at=now))



async def _synchronous(database: Database, durable: bool) -> int:
    async with database.session(durable=durable) as session:
        return (await session.exec(text("PRAGMA synchronous"))).one()[0]


async def test_commits_wait_for_the_disk_when_asked_or_configured(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """NORMAL (1) by default; FULL (2) for a durable session or when configured."""
    assert [await _synchronous(sqlite_db, d) for d in (False, True, False)] == [1, 2, 1]
    careful = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'chibot.db'}",
                       sqlite_synchronous="FULL")
    try:
        assert [await _synchronous(careful, d) for d in (False, True)] == [2, 2]
    finally:
        await careful.dispose()

"""Shared fixtures: settings in a temp folder, a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import migrate
from storage.db import Database
from tests.support import TEST_FILE_KEY, FakeClock
from vocabulary.settings import Settings

POSTGRES_ENV = "CHIBOT_TEST_POSTGRES_URL"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'chibot.db'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL variant not run: {POSTGRES_ENV} is not set")
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, database_url=database_url,
                    secret_key="test-secret", file_keys=[TEST_FILE_KEY])


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "chibot.db"

    async def build() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(database)
        await database.dispose()

    asyncio.run(build())
    return path


async def _empty_postgres(database: Database) -> None:
    """Empty the tables when the schema is already at head; else rebuild it from nothing."""
    if await migrate.is_current(database):
        async with database.engine.begin() as connection:
            tables = (await connection.execute(text(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'alembic_version'"))).scalars().all()
            await connection.execute(text(
                f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(database)


@pytest.fixture
async def db(settings: Settings, migrated_sqlite: Path) -> AsyncIterator[Database]:
    """A database at the newest migration with no rows: migrating per test costs seconds."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        shutil.copyfile(migrated_sqlite, url.removeprefix("sqlite+aiosqlite:///"))
    database = Database(url)
    if database.engine.dialect.name == "postgresql":
        await _empty_postgres(database)
    yield database
    await database.dispose()

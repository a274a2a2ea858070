"""What every command needs: settings, the database, and a way to run async code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import typer

from bot.cli.texts import echo
from storage import migrate
from storage.db import Database, PoolOptions
from vocabulary.messages import Msg
from vocabulary.settings import Settings

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_with_db(
    work: Callable[[Database, Settings], Awaitable[T]], *, needs_schema: bool = True
) -> T:
    """Open the configured database, run `work`, and close it; refuse an unmigrated database."""
    settings = Settings()

    async def _main() -> T:
        database = Database(settings.effective_database_url,
                            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                            sqlite_synchronous=settings.sqlite_synchronous,
                            pool=PoolOptions(settings.postgres_pool_size,
                                             settings.postgres_pool_overflow,
                                             settings.postgres_pre_ping,
                                             settings.postgres_recycle_seconds))
        try:
            if needs_schema and not await migrate.is_current(database):
                echo(Msg("cli.not_migrated"), err=True)
                raise typer.Exit(2)
            return await work(database, settings)
        finally:
            await database.dispose()

    return asyncio.run(_main())


def chosen_file(file: Path | None, sample: bool, sample_path: Path) -> Path:
    """The file a command works on: the one named, or the shipped sample with --sample."""
    if (file is None) == (not sample):
        echo(Msg("cli.name_a_file"), err=True)
        raise typer.Exit(2)
    return sample_path if sample else file  # type: ignore[return-value]

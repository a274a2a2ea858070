"""What every command needs: settings, the database, and a way to run async code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from bot.settings import Settings
from storage.db import Database

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_with_db(work: Callable[[Database, Settings], Awaitable[T]]) -> T:
    """Open the configured database, run `work`, and close it."""
    settings = Settings()

    async def _main() -> T:
        database = Database(settings.effective_database_url,
                            busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        try:
            return await work(database, settings)
        finally:
            await database.dispose()

    return asyncio.run(_main())

"""The async engine and sessions (SQLite specifics live in storage.sqlite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite import Writers, sqlite_engine


def create_engine(url: str, sqlite_synchronous: str = "NORMAL") -> AsyncEngine:
    if make_url(url).get_backend_name() == "sqlite":
        return sqlite_engine(url, sqlite_synchronous)
    return create_async_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory; on SQLite, write transactions take turns."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 5000,
                 sqlite_synchronous: str = "NORMAL") -> None:
        self.url = url
        self.engine = create_engine(url, sqlite_synchronous)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._writers = (Writers(self._sessions, busy_timeout_ms)
                         if self.engine.dialect.name == "sqlite" else None)

    @asynccontextmanager
    async def session(self, *, durable: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error.

        `durable`: the commit waits for the disk even where the database is set not to (for
        what another party forgets once we have it, such as a confirmed Telegram update).
        """
        if self._writers is not None:
            async with self._writers.session(durable=durable) as session:
                yield session
            return
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction (for Alembic), waiting for locks as a session does."""
        async with self.session() as session:
            yield await session.connection()

    async def dispose(self) -> None:
        await self.engine.dispose()

"""The async engine and sessions (SQLite specifics live in storage.sqlite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite import Writers, sqlite_engine


@dataclass(frozen=True)
class PoolOptions:
    """PostgreSQL's connection pool (the settings `postgres_*`)."""

    size: int = 10
    overflow: int = 10
    pre_ping: bool = False
    recycle_seconds: float = 1800.0


def create_engine(url: str, sqlite_synchronous: str = "NORMAL",
                  pool: PoolOptions | None = None) -> AsyncEngine:
    if make_url(url).get_backend_name() == "sqlite":
        return sqlite_engine(url, sqlite_synchronous)
    pool = pool or PoolOptions()
    return create_async_engine(url, pool_size=pool.size, max_overflow=pool.overflow,
                               pool_pre_ping=pool.pre_ping, pool_recycle=pool.recycle_seconds)


class Database:
    """One engine and its session factory; on SQLite, write transactions take turns."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 5000,
                 sqlite_synchronous: str = "NORMAL", pool: PoolOptions | None = None) -> None:
        self.url = url
        self.engine = create_engine(url, sqlite_synchronous, pool)
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
    async def statements(self) -> AsyncIterator[AsyncSession]:
        """A session whose statements each commit on their own (PostgreSQL): no BEGIN and
        COMMIT round trips around a lone statement. On SQLite, a durable session."""
        if self._writers is not None:
            async with self._writers.session(durable=True) as session:
                yield session
            return
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction (for Alembic), waiting for locks as a session does."""
        async with self.session() as session:
            yield await session.connection()

    async def dispose(self) -> None:
        await self.engine.dispose()

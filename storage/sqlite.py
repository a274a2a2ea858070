"""SQLite for the embedded default: calls run on the event loop, writers take turns.

aiosqlite hands every call to a worker thread and back; a statement costs several such
hand-offs (about 0.4 ms of CPU) while SQLite itself answers in tens of microseconds. Here
the calls run directly on the event loop's thread instead, which is safe because:
- transactions of this process (all begin with the write lock) take turns on an asyncio
  lock, so a statement never waits for a lock held by another task of the same loop;
- SQLite's own busy handler, which would sleep on the loop, is off; a lock held by another
  process (a CLI command) is waited for by retrying BEGIN IMMEDIATE asynchronously.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

LOCK_POLL_SECONDS = 0.01
DURABLE = "chibot_durable"  # execution option: commit waits for the disk whatever the setting
SYNCHRONOUS = "chibot_synchronous"  # the level a pooled connection has now


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's interface with each call made at once on the caller's thread.

    Connecting (and SQLAlchemy's isolation-level setter) still go through aiosqlite's worker
    thread, which uses its queue directly, hence `check_same_thread=False`.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def sqlite_engine(url: str, synchronous: str = "NORMAL") -> AsyncEngine:
    """An async engine whose connections are inline, in WAL mode, enforcing foreign keys.

    `synchronous` is SQLite's: NORMAL does not wait for the disk at commit (a killed process
    still loses nothing; a power cut may lose the last commits); a transaction begun with
    the DURABLE execution option always waits (FULL).
    """
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")
    path = make_url(url).database or ":memory:"
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    connect = partial(sqlite3.connect, path, timeout=0, isolation_level=None,
                      check_same_thread=False)

    async def creator() -> InlineConnection:
        connection = InlineConnection(connect, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: never keep the process alive
        return await connection

    engine = create_async_engine(url, async_creator=creator)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        level = "FULL" if connection.get_execution_options().get(DURABLE, False) else synchronous
        if connection.info.get(SYNCHRONOUS) != level:  # set per connection, kept between uses
            connection.exec_driver_sql(f"PRAGMA synchronous={level}")
            connection.info[SYNCHRONOUS] = level
        # A deferred transaction that reads and then writes fails at once when another
        # writer got there first; taking the write lock up front makes it wait its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_locked(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY  # extended codes too


def locked_error(waited: str) -> OperationalError:
    """The error a caller gets when the database stayed locked for the whole busy timeout."""
    orig = sqlite3.OperationalError(f"database is locked ({waited})")
    orig.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
    return OperationalError("BEGIN IMMEDIATE", None, orig)


class Writers:
    """One write transaction at a time in this process; other processes waited for."""

    def __init__(self, sessions: Callable[[], AsyncSession], busy_timeout_ms: int) -> None:
        self._sessions = sessions
        self._timeout = busy_timeout_ms / 1000
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    @property
    def _turn(self) -> asyncio.Lock:
        """This event loop's lock: a database disposed and used again on another loop (a test
        harness keeping one engine for its compiled statements) must not share a lock."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {loop: (lock := asyncio.Lock())}  # a closed loop's lock is dropped
        return lock

    @asynccontextmanager
    async def session(self, *, durable: bool = False) -> AsyncIterator[AsyncSession]:
        """A session holding the write lock: committed on success, rolled back on error."""
        deadline = time.monotonic() + self._timeout
        try:
            async with asyncio.timeout(self._timeout):
                await self._turn.acquire()
        except TimeoutError:
            raise locked_error("another task of this process") from None
        try:
            session = await self._locked(deadline, durable)
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            finally:
                await session.close()
        finally:
            self._turn.release()

    async def _locked(self, deadline: float, durable: bool) -> AsyncSession:
        """A session whose BEGIN IMMEDIATE succeeded, retried while another process writes."""
        while True:
            session = self._sessions()
            try:
                # Begins the transaction (BEGIN IMMEDIATE), with the commit's safety level.
                await session.connection(execution_options={DURABLE: durable})
                return session
            except OperationalError as exc:
                await session.close()
                if not is_locked(exc) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(LOCK_POLL_SECONDS)

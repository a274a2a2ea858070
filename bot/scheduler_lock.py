"""The scheduler lock: a PostgreSQL advisory lock, held on a connection of its own."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

LOCK_ID = 0x43484942  # "CHIB": one advisory lock per deployment
TAKE = text(f"SELECT pg_try_advisory_lock({LOCK_ID}), pg_backend_pid()")
WHO = text("SELECT pg_backend_pid()")


class SchedulerLock:
    """Held as long as its server session lives: a holder that dies, or whose connection is
    cut, frees it for another process."""

    def __init__(self, engine: AsyncEngine, answer_within: float) -> None:
        self.engine, self.answer_within = engine, answer_within
        self._connection: AsyncConnection | None = None
        self._session_pid: int | None = None
        self._busy = asyncio.Lock()  # one statement at a time on the connection

    @property
    def held(self) -> bool:
        return self._connection is not None

    async def try_take(self) -> bool:
        """Take the lock if no other process holds it."""
        async with self._busy:
            if self._connection is not None:
                return True
            connection = await self.engine.connect()
            try:
                # Autocommit: an open transaction would sit idle for the process's life.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                won, pid = (await connection.execute(TAKE)).one()
            except BaseException:
                await _discard(connection)
                raise
            if not won:
                await connection.close()
                return False
            self._connection, self._session_pid = connection, pid
            return True

    async def still_held(self) -> bool:
        """Whether the session holding the lock still answers; if not, the lock is let go."""
        async with self._busy:
            if self._connection is None:
                return False
            try:
                pid = await asyncio.wait_for(self._connection.scalar(WHO), self.answer_within)
            except Exception:  # cut, closed by the server, or too slow to trust
                pid = None
            if pid is not None and pid == self._session_pid:
                return True
            await self._drop()
            return False

    async def release(self) -> None:
        async with self._busy:
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection, self._session_pid = self._connection, None, None
        if connection is not None:
            await _discard(connection)


async def _discard(connection: AsyncConnection) -> None:
    """End the server session itself, and with it a session-level lock (a connection handed
    back to the pool would go on holding it)."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()

"""Updates recorded together: what arrives while a write is under way goes in the next one.

Webhook posts come one update each and dozens at once; a statement and a commit for each
would cost more than handling the update. Each caller still returns only once its own
updates are committed, so the platform is told nothing before they are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Row = dict[str, Any]
Key = tuple[Any, ...]
Write = Callable[[list[Row]], Awaitable[set[Key]]]
MAX_ROWS = 500  # per statement: far below PostgreSQL's 32,767 parameters


class GroupedRecords:
    """Writes queued rows in turns, one statement per turn; `write` returns the new keys."""

    def __init__(self, write: Write, key: Callable[[Row], Key]) -> None:
        self._write, self._key = write, key
        self._queue: list[tuple[list[Row], asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, rows: list[Row]) -> int:
        """Queue rows and wait until written; how many of them were new."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append((rows, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        return await future

    async def _write_queued(self) -> None:
        while self._queue:
            turn, size = [], 0
            while self._queue and (not turn or size + len(self._queue[0][0]) <= MAX_ROWS):
                rows, future = self._queue.pop(0)
                turn.append((rows, future))
                size += len(rows)
            try:
                new = await self._write([row for rows, _ in turn for row in rows])
            except Exception as exc:
                for _, future in turn:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for rows, future in turn:  # a key sent twice counts as new for its first sender
                mine = {self._key(row) for row in rows} & new
                new -= mine
                if not future.done():
                    future.set_result(len(mine))

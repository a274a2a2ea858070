"""Inserting rows that may be there already (a key seen before is skipped), cheaply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
from sqlmodel.ext.asyncio.session import AsyncSession

MAX_PARAMETERS = 32767  # PostgreSQL's protocol counts a statement's parameters in 16 bits


class NewRows:
    """One prepared INSERT ... ON CONFLICT DO NOTHING per dialect, on the table itself.

    On the table, not the entity: the ORM would take rows of parameters as its bulk insert.
    """

    def __init__(self, table: Table, *key: str) -> None:
        # Columns with a default count as parameters too, given or not.
        self._width = len(table.columns)
        self._inserts: dict[str, Insert] = {
            name: insert(table).on_conflict_do_nothing(index_elements=list(key))
            for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
        }

    async def insert(self, session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        """Insert what is new; returns how many rows were."""
        if not rows:
            return 0
        dialect = session.bind.dialect if session.bind else None
        insert = self._inserts[dialect.name if dialect else "sqlite"]
        if len(rows) == 1:
            result = await session.exec(insert, params=rows[0])  # type: ignore[call-overload]
        elif dialect is None or dialect.supports_sane_multi_rowcount:
            # The prepared statement run for each row: building one for the rows costs ten
            # times what SQLite takes to insert them.
            result = await session.exec(insert, params=rows)  # type: ignore[call-overload]
        else:  # asyncpg does not count what an executemany inserted: multi-row statements
            return await self._in_chunks(session, insert, rows, self._width)
        return int(result.rowcount)

    async def insert_uncounted(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        """Insert what is new without counting it: one executemany on every dialect, which on
        PostgreSQL costs a fraction of compiling multi-row statements for tens of thousands."""
        if rows:
            dialect = session.bind.dialect.name if session.bind else "sqlite"
            await session.exec(self._inserts[dialect], params=rows)  # type: ignore[call-overload]

    @staticmethod
    async def _in_chunks(session: AsyncSession, insert: Insert,
                         rows: list[dict[str, Any]], width: int) -> int:
        """As few multi-row statements as the driver's limit on parameters allows."""
        size = max(1, MAX_PARAMETERS // width)
        added = 0
        for start in range(0, len(rows), size):
            chunk = insert.values(rows[start:start + size])
            added += (await session.exec(chunk)).rowcount  # type: ignore[call-overload]
        return added

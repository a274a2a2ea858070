"""Inserting rows that may be there already (a key seen before is skipped), cheaply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
from sqlmodel.ext.asyncio.session import AsyncSession


class NewRows:
    """One prepared INSERT ... ON CONFLICT DO NOTHING per dialect, on the table itself.

    On the table, not the entity: the ORM would take rows of parameters as its bulk insert.
    """

    def __init__(self, table: Table, *key: str) -> None:
        self._inserts: dict[str, Insert] = {
            name: insert(table).on_conflict_do_nothing(index_elements=list(key))
            for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
        }
        # Rows given together go as one executemany that returns the new keys: SQLAlchemy
        # writes it as multi-row statements from the one compiled form (its "insertmanyvalues"),
        # where rows built into a statement would be compiled anew for every call.
        self._returning = {name: insert.returning(*(table.c[k] for k in key))
                           for name, insert in self._inserts.items()}

    async def insert(self, session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        """Insert what is new; returns how many rows were."""
        if not rows:
            return 0
        dialect = _dialect(session)
        if len(rows) == 1 or dialect == "sqlite":
            # SQLite counts an executemany, and runs the prepared statement for each row
            # faster than it would build one statement for all of them.
            insert = self._inserts[dialect]
            result = await session.exec(insert, params=rows)  # type: ignore[call-overload]
            return int(result.rowcount)
        # asyncpg counts no executemany: count the rows returned (a key may be NULL)
        found = await session.exec(self._returning[dialect], params=rows)  # type: ignore[call-overload]
        return len(found.all())

    async def new_keys(self, session: AsyncSession, rows: list[dict[str, Any]],
                       ) -> set[tuple[Any, ...]]:
        """Insert what is new; the keys of the rows that were (keys that are never NULL)."""
        if not rows:
            return set()
        returning = self._returning[_dialect(session)]
        found = await session.exec(returning, params=rows)  # type: ignore[call-overload]
        return {tuple(row) for row in found.all()}

    async def insert_uncounted(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        """Insert what is new without counting it: one executemany on every dialect, which on
        PostgreSQL costs a fraction of compiling multi-row statements for tens of thousands."""
        if rows:
            await session.exec(self._inserts[_dialect(session)],  # type: ignore[call-overload]
                               params=rows)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"

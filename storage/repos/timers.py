"""Timers are rows with a due time: set, moved and cancelled here; fired by the runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Timer

# A timer handler runs in the same transaction that marks the timer fired.
TimerHandler = Callable[[AsyncSession, Timer, datetime], Awaitable[None]]


async def schedule(
    session: AsyncSession, kind: str, key: str, due_at: datetime, now: datetime,
    **payload: Any,
) -> None:
    """Set a timer; setting the same key again moves its due time (if not yet fired)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Timer).values(
        kind=kind, key=key, due_at=due_at, payload=payload, created_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={"due_at": due_at, "payload": payload},
        where=col(Timer.fired_at).is_(None))
    await session.exec(statement)


async def cancel(session: AsyncSession, key: str, now: datetime) -> None:
    """Stop a timer from firing (it is kept, marked as fired, for the record)."""
    await session.exec(update(Timer).where(col(Timer.key) == key, col(Timer.fired_at).is_(None))
                       .values(fired_at=now))

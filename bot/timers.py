"""Timers are rows with a due time; the periodic runner fires each one exactly once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import Timer

log = logging.getLogger(__name__)

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


class TimerRunner:
    """Fires due timers through the handler registered for their kind."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        self.handlers: dict[str, TimerHandler] = {}

    def register(self, kind: str, handler: TimerHandler) -> None:
        self.handlers[kind] = handler

    async def fire_due(self, limit: int = 500) -> int:
        """Fire what is due now; a timer claimed by another process is skipped."""
        now = self.clock()
        async with self.db.session() as session:
            query = (select(Timer.id).where(col(Timer.fired_at).is_(None), Timer.due_at <= now)
                     .order_by(col(Timer.due_at)).limit(limit))
            due = list((await session.exec(query)).all())
        fired = 0
        for timer_id in due:
            fired += await self._fire(timer_id, now)
        return fired

    async def _fire(self, timer_id: int | None, now: datetime) -> int:
        try:
            async with self.db.session() as session:
                claimed = await session.exec(
                    update(Timer).where(col(Timer.id) == timer_id, col(Timer.fired_at).is_(None))
                    .values(fired_at=now))
                if claimed.rowcount != 1:
                    return 0
                timer = await session.get(Timer, timer_id)
                handler = self.handlers.get(timer.kind) if timer else None
                if timer is None or handler is None:
                    log.warning("no handler for timer %s", timer.kind if timer else timer_id)
                    return 0
                await handler(session, timer, now)
                return 1
        except Exception:
            log.exception("timer %s failed; it will be retried", timer_id)
            return 0

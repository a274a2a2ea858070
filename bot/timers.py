"""Timers are rows with a due time; the periodic runner fires each one exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from storage.db import Database
from storage.models import Timer
from storage.repos.timers import TimerHandler

log = logging.getLogger(__name__)



class TimerRunner:
    """Fires due timers through the handler registered for their kind."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        self.handlers: dict[str, TimerHandler] = {}
        self.batching: set[str] = set()

    def register(self, kind: str, handler: TimerHandler, *, batches: bool = False) -> None:
        """`batches`: the handler fires the other due timers of its kind with its own."""
        self.handlers[kind] = handler
        if batches:
            self.batching.add(kind)

    async def fire_due(self, limit: int = 500) -> int:
        """Fire what is due now; a timer claimed by another process is skipped.

        Returns how many handlers ran; once a batching kind has run, the rest of its kind
        in this scan were taken along (or are left for the next scan, which comes at once).
        """
        now = self.clock()
        fired, again = 0, True
        while again:
            again = False
            async with self.db.session() as session:
                query = (select(Timer.id, Timer.kind)
                         .where(col(Timer.fired_at).is_(None), Timer.due_at <= now)
                         .order_by(col(Timer.due_at)).limit(limit))
                due = list((await session.exec(query)).all())
            batched: set[str] = set()
            for timer_id, kind in due:
                if kind in batched:
                    continue
                done = await self._fire(timer_id, now)
                fired += done
                if done and kind in self.batching:
                    batched.add(kind)
                    again = True
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

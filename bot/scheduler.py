"""The few periodic jobs (APScheduler 3), run only in the process that holds the scheduler lock."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from bot.settings import Settings
from bot.timers import TimerRunner
from storage.db import Database
from storage.models import LinkAttempt

log = logging.getLogger(__name__)
LOCK_ID = 0x43484942  # "CHIB": one PostgreSQL advisory lock per deployment
Scan = Callable[[], Awaitable[object]]


class PeriodicJobs:
    """Interval scans: due timers and housekeeping; capabilities may add their own."""

    def __init__(self, db: Database, settings: Settings, timers: TimerRunner) -> None:
        self.db, self.settings = db, settings
        self.scheduler = AsyncIOScheduler(timezone=settings.tz)
        self._lock: AsyncConnection | None = None
        self.every(settings.timer_scan_seconds, timers.fire_due, "timers")
        self.every(3600, self._housekeeping, "housekeeping")

    def every(self, seconds: float, scan: Scan, name: str) -> None:
        self.scheduler.add_job(scan, "interval", seconds=seconds, id=name, max_instances=1,
                               coalesce=True, next_run_time=datetime.now(self.settings.tz))

    async def start(self) -> bool:
        """Start the jobs if this process wins the lock (always, on SQLite's single process)."""
        if self.db.engine.dialect.name == "postgresql":
            self._lock = await self.db.engine.connect()
            won = await self._lock.scalar(text(f"SELECT pg_try_advisory_lock({LOCK_ID})"))
            if not won:
                await self._lock.close()
                self._lock = None
                log.info("another process runs the scheduler")
                return False
        self.scheduler.start()
        return True

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._lock is not None:
            await self._lock.close()

    async def _housekeeping(self) -> None:
        cutoff = datetime.now(self.settings.tz) - timedelta(days=1)
        async with self.db.session() as session:
            await session.exec(delete(LinkAttempt).where(col(LinkAttempt.attempted_at) < cutoff))

"""The few periodic jobs (APScheduler 3), run only in the process that holds the scheduler lock.

On PostgreSQL the lock is an advisory lock (bot/scheduler_lock.py): every other process
tries to take it every `scheduler_lock_retry_seconds` and takes over when the holder dies.
SQLite has no lock that dies with its holder's session, and a SQLite deployment is one
process (at most a terminal or CLI command beside it): every process runs the scans there,
and a timer still fires once, because firing it is a conditional update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import delete
from sqlmodel import col

from bot.scheduler_lock import SchedulerLock
from bot.settings import Settings
from bot.timers import TimerRunner
from storage.db import Database
from storage.models import LinkAttempt
from vocabulary.errors import where

log = logging.getLogger(__name__)
Scan = Callable[[], Awaitable[object]]


class PeriodicJobs:
    """Interval scans: due timers and housekeeping; capabilities may add their own."""

    def __init__(self, db: Database, settings: Settings, timers: TimerRunner) -> None:
        self.db, self.settings = db, settings
        self.scheduler: AsyncIOScheduler | None = None  # while this process runs the jobs
        self._scans: list[tuple[float, Scan, str]] = []
        self._lock = (SchedulerLock(db.engine, settings.scheduler_lock_retry_seconds)
                      if db.engine.dialect.name == "postgresql" else None)
        self._keeper: asyncio.Task[None] | None = None
        self.every(settings.timer_scan_seconds, timers.fire_due, "timers")
        self.every(3600, self._housekeeping, "housekeeping")

    def every(self, seconds: float, scan: Scan, name: str) -> None:
        self._scans.append((seconds, scan, name))

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    async def start(self) -> bool:
        """Run the jobs if this process takes the lock (always on SQLite); else keep trying."""
        if self._lock is None:
            self._begin()
            return True
        took = await self._try_lead()
        if not took:
            log.info("another process runs the periodic jobs; trying to take over every %g s",
                     self.settings.scheduler_lock_retry_seconds)
        self._keeper = asyncio.create_task(self._keep())
        return took

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        self._end()
        if self._lock is not None:
            await self._lock.release()

    async def _keep(self) -> None:
        """Each tick: the holder checks that its lock's session answers, the others try to
        take the lock."""
        while True:
            await asyncio.sleep(self.settings.scheduler_lock_retry_seconds)
            try:
                if self.running:
                    await self._still_leading()
                else:
                    await self._try_lead()
            except Exception as exc:  # the database may be briefly unavailable
                log.warning("could not try the scheduler lock: %s", where(exc))

    async def _try_lead(self) -> bool:
        assert self._lock is not None
        if not await self._lock.try_take():
            return False
        self._begin()
        return True

    async def _still_leading(self) -> bool:
        """False (and the jobs stopped) once the lock's session is gone: another process may
        hold the lock by now, and two schedulers must not run."""
        if self._lock is None:
            return True
        if await self._lock.still_held():
            return True
        if self.running:
            log.warning("lost the scheduler lock's database session; "
                        "this process stops running the periodic jobs")
            self._end()
        return False

    def _begin(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self.settings.tz)
        for seconds, scan, name in self._scans:
            scheduler.add_job(self._guarded, "interval", args=[scan], seconds=seconds, id=name,
                              name=name, max_instances=1, coalesce=True,
                              next_run_time=datetime.now(self.settings.tz))
        scheduler.start()
        self.scheduler = scheduler
        log.info("this process runs the periodic jobs")

    def _end(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None

    async def _guarded(self, scan: Scan) -> None:
        """Run a scan only while the lock is still ours (checked just before)."""
        if await self._still_leading():
            await scan()

    async def _housekeeping(self) -> None:
        cutoff = datetime.now(self.settings.tz) - timedelta(days=1)
        async with self.db.session() as session:
            await session.exec(delete(LinkAttempt).where(col(LinkAttempt.attempted_at) < cutoff))

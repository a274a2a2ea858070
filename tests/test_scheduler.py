"""The periodic jobs: started once per deployment, and housekeeping forgets old wrong codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.scheduler import PeriodicJobs
from bot.settings import Settings
from bot.timers import TimerRunner
from storage.db import Database
from storage.models import LinkAttempt
from tests.support import FakeClock


async def test_jobs_start_once_per_deployment(db: Database, settings: Settings, clock: FakeClock):
    first = PeriodicJobs(db, settings, TimerRunner(db, clock))
    second = PeriodicJobs(db, settings, TimerRunner(db, clock))
    try:
        assert await first.start()
        assert {job.id for job in first.scheduler.get_jobs()} == {"timers", "housekeeping"}
        started_twice = await second.start()
        # PostgreSQL's advisory lock lets one process run the jobs; SQLite has one process.
        assert started_twice is (db.engine.dialect.name == "sqlite")
    finally:
        await first.stop()
        await second.stop()


async def test_housekeeping_forgets_wrong_codes_older_than_a_day(db: Database, settings: Settings,
                                                                 clock: FakeClock):
    now = datetime.now(UTC)
    async with db.session() as session:
        session.add(LinkAttempt(channel="t", chat_id="c", attempted_at=now - timedelta(days=2)))
        session.add(LinkAttempt(channel="t", chat_id="c", attempted_at=now - timedelta(hours=2)))
    jobs = PeriodicJobs(db, settings, TimerRunner(db, clock))
    await jobs._housekeeping()
    async with db.session() as session:
        left = (await session.exec(select(LinkAttempt))).all()
    assert [a.attempted_at > now - timedelta(days=1) for a in left] == [True]

"""The periodic jobs: run by one process per deployment, taken over when that one stops or
loses its lock's session, and housekeeping forgets old wrong codes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.scheduler import PeriodicJobs
from bot.scheduler_lock import LOCK_ID
from bot.timers import TimerRunner
from storage.db import Database
from storage.models import LinkAttempt
from tests.support import FakeClock
from vocabulary.settings import Settings


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


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    """The processes' state is looked at, as an operator would, until the condition holds."""
    for _ in range(int(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s")


@pytest.fixture
def pair(db: Database, settings: Settings, clock: FakeClock) -> list[PeriodicJobs]:
    """Two processes' jobs on one PostgreSQL database, retrying the lock every 0.1 s."""
    quick = settings.model_copy(update={"scheduler_lock_retry_seconds": 0.1})
    # Each on an engine of its own, as two processes would be.
    return [PeriodicJobs(Database(settings.effective_database_url), quick,
                         TimerRunner(db, clock)) for _ in range(2)]


# PostgreSQL only, as the `pair` fixture: SQLite has no scheduler lock.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_scheduler_that_stops_hands_over(pair: list[PeriodicJobs]):
    first, second = pair
    try:
        assert await first.start()
        assert not await second.start()
        await first.stop()
        await eventually(lambda: second.running)
    finally:
        for jobs in pair:
            await jobs.stop()
            await jobs.db.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_scheduler_that_lost_its_lock_session_stops_and_another_takes_over(
    db: Database, pair: list[PeriodicJobs]
):
    first, second = pair
    try:
        assert await first.start()
        assert not await second.start()
        async with db.engine.connect() as admin:  # the server ends the holder's session
            await admin.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                f"WHERE locktype = 'advisory' AND objid = {LOCK_ID} AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"))
            await admin.commit()
        await eventually(lambda: second.running and not first.running)
    finally:
        for jobs in pair:
            await jobs.stop()
            await jobs.db.dispose()


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

"""Timers are rows: each fires once, late ones fire when the runner comes back, failures retry."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.timers import TimerRunner
from storage.db import Database
from storage.models import AuditEntry, Timer
from storage.repos import audit
from storage.repos.timers import cancel, schedule
from tests.support import FakeClock


def runner_recording(db: Database, clock: FakeClock, fired: list[str]) -> TimerRunner:
    runner = TimerRunner(db, clock)

    async def handler(session, timer: Timer, now) -> None:
        fired.append(timer.key)
        audit.record(session, at=now, actor="timer", action="test.fired", subject=("timer", 1))

    runner.register("test", handler)
    return runner


async def test_a_timer_fires_once_when_due(db: Database, clock: FakeClock):
    async with db.session() as session:
        await schedule(session, "test", "t:1", clock.now.replace(hour=5), clock())
    fired: list[str] = []
    runner = runner_recording(db, clock, fired)
    assert await runner.fire_due() == 0
    clock.advance(hours=3)
    assert await runner.fire_due() == 1
    assert await runner.fire_due() == 0
    assert fired == ["t:1"]


async def test_two_runners_at_once_fire_a_timer_once(db: Database, clock: FakeClock):
    async with db.session() as session:
        for i in range(20):
            await schedule(session, "test", f"t:{i}", clock(), clock())
    fired: list[str] = []
    first, second = runner_recording(db, clock, fired), runner_recording(db, clock, fired)
    counts = await asyncio.gather(first.fire_due(), second.fire_due())
    assert sum(counts) == 20
    assert sorted(fired) == sorted(f"t:{i}" for i in range(20))
    async with db.session() as session:
        assert len((await session.exec(select(AuditEntry))).all()) == 20


async def test_a_failing_handler_leaves_the_timer_to_retry(db: Database, clock: FakeClock):
    async with db.session() as session:
        await schedule(session, "test", "t:x", clock(), clock())
    runner = TimerRunner(db, clock)
    attempts: list[int] = []

    async def flaky(session, timer: Timer, now) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database hiccup")

    runner.register("test", flaky)
    assert await runner.fire_due() == 0
    assert await runner.fire_due() == 1
    assert len(attempts) == 2


async def test_rescheduling_moves_and_cancelling_stops(db: Database, clock: FakeClock):
    fired: list[str] = []
    runner = runner_recording(db, clock, fired)
    async with db.session() as session:
        await schedule(session, "test", "t:move", clock(), clock())
        await schedule(session, "test", "t:stop", clock(), clock())
    async with db.session() as session:
        await schedule(session, "test", "t:move", clock.now.replace(day=25), clock())
        await cancel(session, "t:stop", clock())
    assert await runner.fire_due() == 0
    clock.advance(days=5)
    assert await runner.fire_due() == 1
    assert fired == ["t:move"]

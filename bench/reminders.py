"""Meeting reminders at the scale of a merged province: the month's timers, the busiest day.

Run: python -m bench.reminders [--branches N] [--per-branch N] [--sqlite PATH]
     [--postgres-only]   (PostgreSQL: CHIBOT_BENCH_POSTGRES_URL=postgresql+asyncpg://...)

The province comes from bench/province.py (generated once per database, not timed). Every
chi bo gets a monthly plan: one in five meets on the 3rd (the shared day), the others on a
day spread over 1..28. Then, each in a process of its own so that its peak memory is its own:
  timers   the planner's monthly run: every chi bo's meeting of the month and its two
           reminder timers (the day before, spread over 07:00-21:00, and the morning of)
  busiest  every timer of the busiest day fired as the periodic runner fires them: each
           meeting's audience computed and recorded, its reminders queued in the outbox
Each prints its time and the process's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlmodel import col, func, select

from bench.measure import peak_mb
from bench.province import seed_province
from bot.timers import TimerRunner
from conversations.meetings import planner, reminders
from conversations.meetings.rule import month_bounds
from storage.db import Database
from storage.models import OutboxMessage, Timer
from vocabulary.settings import Settings

POSTGRES_ENV = "CHIBOT_BENCH_POSTGRES_URL"
MONTH = date(2027, 1, 1)  # a month of 31 days; the shared day is the 3rd
SHARED_DAY = 3
SHARED_EVERY = 5  # 20% of chi bo meet on the shared day


def _settings(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url, secret_key="bench")


async def prepare(url: str, branches: int, per_branch: int) -> None:
    """The province (kept between runs), and plans afresh: earlier meetings are removed."""
    db = Database(url)
    try:
        await seed_province(db, branches=branches, per_branch=per_branch)
        async with db.connection() as conn:
            for statement in (
                "DELETE FROM outboxmessage WHERE dedupe_key LIKE 'meeting-%'",
                "DELETE FROM timer WHERE kind LIKE 'meeting.%'",
                "DELETE FROM meetingattendee", "DELETE FROM meeting", "DELETE FROM meetingplan",
            ):
                await conn.execute(text(statement))
            day = f"CASE WHEN o.id % {SHARED_EVERY} = 0 THEN {SHARED_DAY} ELSE 1 + o.id % 28 END"
            await conn.execute(text(
                "INSERT INTO meetingplan (org_id, kind, rule, place, created_at) "
                f"SELECT o.id, 'regular', 'ngay ' || CAST({day} AS VARCHAR(4)) || ', 19:30', "
                "'Nha van hoa', :at FROM organisation o WHERE o.code LIKE 'BENCH-C%' "
                "ORDER BY o.id"), {"at": datetime(2026, 12, 1, tzinfo=_settings(url).tz)})
    finally:
        await db.dispose()


async def phase_timers(url: str) -> str:
    settings = _settings(url)
    start, _end = month_bounds(MONTH, settings.tz)
    now = start - timedelta(days=settings.meeting_plan_ahead_days)
    db = Database(url)
    try:
        began, cpu = time.perf_counter(), time.process_time()
        async with db.session() as session:
            planned = await planner.plan_month(session, settings, MONTH, now)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        await db.dispose()
    over = f", {len(planned.overloaded)} days over the rate" if planned.overloaded else ""
    return (f"month's timers: {planned.meetings:,} meetings, {planned.timers:,} timers in "
            f"{took:.1f} s ({cpu:.1f} s CPU), peak memory {peak_mb():.0f} MB{over}")


async def phase_busiest(url: str) -> str:
    settings = _settings(url)
    tz = settings.tz
    day = MONTH.replace(day=SHARED_DAY)
    begins = datetime.combine(day, datetime.min.time(), tz)
    ends = datetime.combine(day, settings.meeting_reminder_window_end, tz)
    db = Database(url)
    try:
        async with db.session() as session:  # the days before were sent already
            await session.exec(text("UPDATE timer SET fired_at = :t WHERE kind LIKE 'meeting.%' "
                                    "AND due_at < :b AND fired_at IS NULL"),  # type: ignore[call-overload]
                               params={"t": begins, "b": begins})
            due = (await session.exec(select(func.count()).select_from(Timer).where(
                col(Timer.fired_at).is_(None), Timer.due_at <= ends))).one()
        clock = [begins]
        runner = TimerRunner(db, lambda: clock[0])
        runner.register(planner.REMIND, reminders.make_remind(settings), batches=True)
        began, cpu = time.perf_counter(), time.process_time()
        fired = 0
        while clock[0] < ends:  # the periodic runner's scans, an hour apart here
            clock[0] = min(clock[0] + timedelta(hours=1), ends)
            while batch := await runner.fire_due(limit=2000):
                fired += batch
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        async with db.session() as session:
            queued = (await session.exec(select(func.count()).select_from(OutboxMessage).where(
                col(OutboxMessage.dedupe_key).startswith("meeting-reminder:")))).one()
    finally:
        await db.dispose()
    return (f"busiest day ({day}): {due:,} timers fired in {fired:,} batches, {queued:,} "
            f"reminders queued in {took:.1f} s ({cpu:.1f} s CPU), "
            f"peak memory {peak_mb():.0f} MB")


PHASES = {"timers": phase_timers, "busiest": phase_busiest}


def _run_phase(name: str, url: str) -> None:
    """Each phase in a fresh process, so that its peak memory is its own."""
    result = subprocess.run([sys.executable, "-m", "bench.reminders", "--phase", name,
                             "--url", url], capture_output=True, text=True, check=False)
    print(result.stdout.strip() or result.stderr.strip()[-2000:], flush=True)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--branches", type=int, default=50_000)
    options.add_argument("--per-branch", type=int, default=10)
    options.add_argument("--sqlite", default="bench-province.sqlite3")
    options.add_argument("--postgres-only", action="store_true")
    options.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    options.add_argument("--url", help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.phase:
        print(asyncio.run(PHASES[args.phase](args.url)))
        return
    urls = [] if args.postgres_only else [("SQLite", f"sqlite+aiosqlite:///{args.sqlite}")]
    if os.environ.get(POSTGRES_ENV):
        urls.append(("PostgreSQL", os.environ[POSTGRES_ENV]))
    for label, url in urls:
        print(f"{label}: {args.branches:,} chi bo, {args.branches * args.per_branch:,} members",
              flush=True)
        asyncio.run(prepare(url, args.branches, args.per_branch))
        for name in ("timers", "busiest"):
            _run_phase(name, url)


if __name__ == "__main__":
    main()

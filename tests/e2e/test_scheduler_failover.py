"""Two webhook processes on PostgreSQL: one runs the timers; killed, the other takes over."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from signal import SIGKILL, SIGTERM

import pytest
from sqlmodel import select

from bot import unreachable
from storage.db import Database
from storage.models import Timer
from storage.repos.timers import schedule
from tests.e2e.cli_process import ChibotProcess, free_port
from tests.e2e.conftest import TOKEN, WEBHOOK_SECRET
from tests.e2e.fake_bot_api import FakeBotAPI
from vocabulary.settings import Settings

RUNS = "this process runs the periodic jobs"
WAITS = "another process runs the periodic jobs"


async def due_timer(db: Database, name: str) -> None:
    """A timer due now (a summary of unreachable members, for a branch that lost nobody)."""
    now = datetime.now(UTC)
    async with db.session() as session:
        await schedule(session, unreachable.KIND, name, now, now,
                       branch_id=0, since=now.isoformat())


async def wait_fired(db: Database, name: str, within: float = 60.0) -> None:
    async def fired() -> None:
        while True:
            async with db.session() as session:
                timer = (await session.exec(select(Timer).where(Timer.key == name))).one()
            if timer.fired_at is not None:
                return
            await asyncio.sleep(0.2)
    await asyncio.wait_for(fired(), within)


# PostgreSQL only: SQLite has no scheduler lock (every process runs the scans there).
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_when_the_scheduler_process_dies_another_one_fires_the_timers(
    db: Database, settings: Settings, telegram: FakeBotAPI, tmp_path: Path
) -> None:
    # A short retry interval (the default is 30 s) so that the take-over is quick here.
    env = {"CHIBOT_DATABASE_URL": settings.effective_database_url,
           "CHIBOT_TELEGRAM_TOKEN": TOKEN, "CHIBOT_TELEGRAM_API_URL": telegram.base_url,
           "CHIBOT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "CHIBOT_SCHEDULER_LOCK_RETRY_SECONDS": "0.5", "CHIBOT_TIMER_SCAN_SECONDS": "1"}
    processes: list[ChibotProcess] = []
    try:
        for name in ("first", "second"):
            folder = tmp_path / name
            folder.mkdir()
            processes.append(await ChibotProcess.start(
                folder, {**env, "CHIBOT_TELEGRAM_WEBHOOK_PORT": str(free_port())},
                "run", "telegram", "--webhook"))
            await processes[-1].wait_for_log(RUNS if name == "first" else WAITS)
        first, second = processes
        await due_timer(db, "before")
        await wait_fired(db, "before")
        assert not second.logged(RUNS)

        first.send(SIGKILL)  # its database sessions die with it, and the lock with them
        assert await first.exit_status() == -SIGKILL
        await due_timer(db, "after")
        await wait_fired(db, "after")
        assert second.logged(RUNS)

        second.send(SIGTERM)
        assert await second.exit_status() == 0
    finally:
        for process in processes:
            await process.kill()

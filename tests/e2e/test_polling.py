"""Long polling: a batch is confirmed to Telegram only once it is stored; outages are waited out."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from aiogram.utils.backoff import BackoffConfig
from sqlmodel import select

from bot.inbox import Inbox
from bot.telegram import TelegramRuntime
from handlers.telegram.polling import TokenRefused
from storage import migrate
from storage.db import Database
from storage.models import InboxUpdate
from tests.conversations.conftest import Branch
from tests.e2e.conftest import TOKEN, polling, real_now
from tests.e2e.fake_bot_api import FakeBotAPI
from vocabulary.settings import Settings

MAI = 7001


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("handlers.telegram.polling.BACKOFF",
                        BackoffConfig(min_delay=0.05, max_delay=0.2, factor=2, jitter=0.0))


async def test_messages_sent_during_an_outage_are_answered_afterwards(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch
) -> None:
    telegram.fail_next("getUpdates", 502, times=3)
    async with polling(db, tg_settings):
        await telegram.user_message(MAI, "/start")
        replies = await telegram.wait_for_sent(MAI)
    assert "91/2025/QH15" in (replies[0].text or "")
    statuses = [r.status for r in telegram.requests if r.method == "getUpdates"]
    assert statuses[:3] == [502, 502, 502]


async def test_a_batch_is_not_confirmed_while_it_cannot_be_stored(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is down for a moment: Telegram keeps the updates until they are stored."""
    real = Inbox.record_many
    down = asyncio.Event()
    failures = 0

    async def flaky(self: Inbox, channel: str, updates: list[Any]) -> int:
        nonlocal failures
        if failures < 3:
            failures += 1
            down.set()
            raise ConnectionError("database unavailable")
        return await real(self, channel, updates)

    monkeypatch.setattr(Inbox, "record_many", flaky)
    async with polling(db, tg_settings):
        await telegram.user_message(MAI, "/start")
        await telegram.user_message(MAI, "/help")
        await asyncio.wait_for(down.wait(), 5)
        assert len(telegram.pending_updates) == 2  # not confirmed: nothing stored yet
        await telegram.wait_updates_consumed()
        await telegram.wait_for_sent(MAI, count=2)
    async with db.session() as session:
        stored = (await session.exec(select(InboxUpdate))).all()
    assert failures == 3
    assert len(stored) == 2
    assert all(row.processed_at is not None for row in stored)


async def test_a_revoked_token_stops_polling_instead_of_retrying_for_ever(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch
) -> None:
    runtime = TelegramRuntime(db, tg_settings, real_now)
    telegram.fail_next("getUpdates", 401, times=5)
    with pytest.raises(TokenRefused):
        await asyncio.wait_for(runtime.poll(handle_signals=False), 5)
    assert [r.status for r in telegram.requests if r.method == "getUpdates"] == [401]


async def chibot(folder: Path, api_url: str, token: str, *args: str) -> tuple[int, str]:
    """`chibot ARGS` as its own process on a database in `folder`: its exit status and what
    it wrote to stderr."""
    env = {**os.environ, "CHIBOT_DATA_DIR": str(folder),
           "CHIBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'chibot.db'}",
           "CHIBOT_TELEGRAM_TOKEN": token, "CHIBOT_TELEGRAM_API_URL": api_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bot.cli import app; app()", *args, env=env, cwd=folder,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, stderr.decode()


@pytest.mark.parametrize("when", ["at start", "while polling"])
async def test_the_command_says_the_token_was_refused(
    when: str, telegram: FakeBotAPI, tmp_path: Path
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'chibot.db'}")
    await migrate.upgrade(database)
    await database.dispose()
    if when == "at start":
        token = "999999:REVOKED"  # every call is refused, the first one is setMyCommands
    else:
        token = TOKEN
        telegram.fail_next("getUpdates", 401, times=5)
    status, errors = await chibot(tmp_path, telegram.base_url, token, "run", "telegram")
    assert status == 1
    assert "Telegram từ chối mã bot trong CHIBOT_TELEGRAM_TOKEN" in errors
    called = [r.method for r in telegram.requests if r.status == 200]
    assert ("getUpdates" not in called) if when == "while polling" else (called == [])

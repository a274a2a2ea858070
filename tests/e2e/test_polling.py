"""Long polling: a batch is confirmed to Telegram only once it is stored; outages are waited out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiogram.utils.backoff import BackoffConfig
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.inbox import Inbox
from bot.settings import Settings
from handlers.telegram.app import TelegramRuntime
from handlers.telegram.polling import TokenRefused
from storage.db import Database
from storage.models import InboxUpdate
from tests.conversations.conftest import Branch
from tests.e2e.conftest import polling, real_now
from tests.e2e.fake_bot_api import FakeBotAPI

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


async def test_the_command_says_the_token_was_refused(
    telegram: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    env = {"CHIBOT_DATA_DIR": str(tmp_path),
           "CHIBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chibot.db'}",
           "CHIBOT_TELEGRAM_TOKEN": "999999:REVOKED", "CHIBOT_TELEGRAM_API_URL": telegram.base_url}
    runner = CliRunner()
    # The command runs its own event loop; the fake server keeps answering on this one.
    upgraded = await asyncio.to_thread(runner.invoke, app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    result = await asyncio.to_thread(runner.invoke, app, ["run", "telegram"], env=env)
    assert result.exit_code == 1
    assert "Telegram refused the token in CHIBOT_TELEGRAM_TOKEN" in result.stderr

"""Chibot's real Telegram runtime against the local fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from bot.telegram import TelegramRuntime
from storage.db import Database
from tests.conversations.conftest import org  # noqa: F401  (the demo-like branch fixture)
from tests.e2e.fake_bot_api import FakeBotAPI

TOKEN = "123456:TEST-TOKEN"
WEBHOOK_SECRET = "s3cret-Token_for-tests"


def real_now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI(token=TOKEN)
    await server.start()
    yield server
    await server.stop()
    server.assert_no_violations()


@pytest.fixture
def tg_settings(settings: Settings, telegram: FakeBotAPI, tmp_path: Path) -> Settings:
    return settings.model_copy(update={
        "telegram_token": SecretStr(TOKEN), "telegram_api_url": telegram.base_url,
        "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET), "data_dir": tmp_path,
    })


@contextlib.asynccontextmanager
async def polling(db: Database, settings: Settings) -> AsyncIterator[TelegramRuntime]:
    """The bot, long polling the fake server, until the block ends."""
    runtime = TelegramRuntime(db, settings, real_now)
    task = asyncio.create_task(runtime.poll(handle_signals=False))
    try:
        yield runtime
    finally:
        runtime.stop_polling()
        await task

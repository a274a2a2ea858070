"""SIGTERM (how systemd and containers stop a service) stops every mode cleanly: updates stop
coming in, claimed messages not yet sent are given back, and the process exits with 0."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from signal import SIGINT, SIGTERM, Signals

import pytest
from sqlmodel import select

from bot.i18n import Msg
from bot.settings import Settings
from conversations.types import ChatRef, Outbound
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repos import outbox
from tests.e2e.cli_process import ChibotProcess, free_port
from tests.e2e.conftest import TOKEN, WEBHOOK_SECRET
from tests.e2e.fake_bot_api import FakeBotAPI

CHATS = 30
SLOW_RATE = '{"telegram": 2}'  # so that the process still holds claims when it is stopped


async def queue_replies(db: Database) -> None:
    now = datetime.now(UTC)
    messages = [Outbound(ChatRef("telegram", str(8000 + n)), [Msg("cancel.done")])
                for n in range(CHATS)]
    async with db.session() as session:
        await outbox.enqueue(session, messages, now)


async def statuses(db: Database) -> dict[str, int]:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def telegram_env(settings: Settings, telegram: FakeBotAPI) -> dict[str, str]:
    return {"CHIBOT_DATABASE_URL": settings.effective_database_url,
            "CHIBOT_TELEGRAM_TOKEN": TOKEN, "CHIBOT_TELEGRAM_API_URL": telegram.base_url,
            "CHIBOT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CHIBOT_TELEGRAM_WEBHOOK_PORT": str(free_port()),
            "CHIBOT_DELIVERY_RATES": SLOW_RATE}


@pytest.mark.parametrize(("mode", "signal"),
                         [("webhook", SIGTERM), ("webhook", SIGINT), ("polling", SIGTERM)])
async def test_a_stopped_bot_gives_back_what_it_has_not_sent_and_exits_with_0(
    mode: str, signal: Signals, db: Database, settings: Settings, telegram: FakeBotAPI,
    tmp_path: Path,
) -> None:
    await queue_replies(db)
    args = ["run", "telegram", *(["--webhook"] if mode == "webhook" else [])]
    bot = await ChibotProcess.start(tmp_path, telegram_env(settings, telegram), *args)
    try:
        await telegram.wait_for_sent(count=2, within=180)  # sending, claims held
        bot.send(signal)
        status = await bot.exit_status()
    finally:
        await bot.kill()
    assert status == 0, "\n".join(bot.log)
    assert bot.logged(f"{signal.name} received: stopping")
    assert bot.logged("Chibot stopped")
    left = await statuses(db)
    sent = len({m.chat_id for m in telegram.sent})
    # Nothing is left claimed (a restart would wait out the lease for it); each message the
    # platform accepted is marked sent, the rest are back in the queue.
    assert OutboxStatus.SENDING not in left
    assert left.get(OutboxStatus.SENT) == sent == len(telegram.sent)
    assert left.get(OutboxStatus.QUEUED) == CHATS - sent


async def test_the_terminal_channel_stops_on_sigterm(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    env = {"CHIBOT_DATABASE_URL": settings.effective_database_url}
    terminal = await ChibotProcess.start(tmp_path, env, "run", "terminal")
    try:
        await terminal.wait_for_log("this process runs the periodic jobs")
        terminal.send(SIGTERM)  # no input arrives: the process waits for a line when stopped
        status = await terminal.exit_status()
    finally:
        await terminal.kill()
    assert status == 0, "\n".join(terminal.log)
    assert terminal.logged("SIGTERM received: stopping")
    assert terminal.logged("Chibot stopped")

"""Updates Telegram sends that the bot cannot read, and button presses a dead process left."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import select

from bot.settings import Settings
from bot.telegram import TelegramRuntime
from handlers.telegram.updates import TelegramSource
from storage.db import Database
from storage.models import InboxUpdate
from tests.conversations.conftest import Branch
from tests.e2e.conftest import polling, real_now
from tests.e2e.fake_bot_api import QUERY_TOO_OLD, FakeBotAPI, SentMessage
from tests.e2e.test_telegram import MAI, button

PHONE_TEXT = "số của tôi 0912000102"
APOLOGY = "Xin lỗi, Chibot gặp sự cố"


def unreadable(telegram: FakeBotAPI) -> dict[str, Any]:
    """Valid by the Bot API's spec, yet aiogram refuses it (a date past the year 9999)."""
    return telegram.new_update("message", {
        "message_id": 900, "date": 10**20, "text": PHONE_TEXT,
        "chat": {"id": MAI, "type": "private"},
        "from": {"id": MAI, "is_bot": False, "first_name": "Mai"}})


async def stored(db: Database) -> list[InboxUpdate]:
    async with db.session() as session:
        return list((await session.exec(select(InboxUpdate).order_by(InboxUpdate.id))).all())


async def test_an_unreadable_update_by_polling_is_set_aside_and_confirmed(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch,
    caplog: pytest.LogCaptureFixture
) -> None:
    async with polling(db, tg_settings):
        await telegram.push_update(unreadable(telegram))
        await telegram.user_message(MAI, "xin chào")
        replies = await telegram.wait_for_sent(MAI, count=2)
        await telegram.wait_updates_consumed()
    assert APOLOGY in (replies[0].text or "")
    assert "91/2025/QH15" in (replies[1].text or "")
    assert telegram.pending_updates == []  # confirmed, not fetched again and again
    assert [r.processed_at is not None for r in await stored(db)] == [True, True]
    assert "set aside: unreadable" in caplog.text
    assert "0912000102" not in caplog.text


async def test_an_unreadable_update_by_webhook_is_answered_200_and_the_rest_flow_on(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch,
    unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    settings = tg_settings.model_copy(update={
        "telegram_webhook_url": f"http://127.0.0.1:{unused_tcp_port}/telegram/webhook"})
    runtime = TelegramRuntime(db, settings, real_now)
    runner = web.AppRunner(runtime.webhook_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        assert await telegram.push_update(unreadable(telegram)) == 200
        assert await telegram.user_message(MAI, "xin chào") is not None
        replies = await telegram.wait_for_sent(MAI, count=2)
    finally:
        await runner.cleanup()
    assert APOLOGY in (replies[0].text or "")
    assert "91/2025/QH15" in (replies[1].text or "")
    assert [d.status for d in telegram.webhook_deliveries] == [200, 200]
    assert telegram.stats()["webhook_pending"] == 0
    assert "set aside: unreadable" in caplog.text
    assert "0912000102" not in caplog.text


class Killed(BaseException):
    """The process dies after the press's transaction commits, before it is answered."""


async def press_and_die(db: Database, settings: Settings, telegram: FakeBotAPI,
                        monkeypatch: pytest.MonkeyPatch) -> SentMessage:
    """Mai agrees by button; the process handling the press dies before following it up."""
    async with polling(db, settings):
        await telegram.user_message(MAI, "/start")
        consent = (await telegram.wait_for_sent(MAI))[-1]
    doomed = TelegramRuntime(db, settings, real_now)
    task = asyncio.create_task(doomed.poller.run())  # records; its worker is run below
    await telegram.user_callback(MAI, consent.message_id, button(consent, "Đồng ý"))
    await telegram.wait_updates_consumed()
    doomed.stop_polling()
    await task

    async def die(self: TelegramSource, payload: dict[str, Any]) -> bool:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(TelegramSource, "after_handled", die)
        with pytest.raises(Killed):
            await doomed.service.inbox.process_pending()
    await doomed.bot.session.close()
    assert telegram.unanswered_callbacks() != []
    return consent


def tried(telegram: FakeBotAPI, method: str) -> list[int]:
    return [r.status for r in telegram.requests if r.method == method]


def keyboard_removed(telegram: FakeBotAPI, message: SentMessage) -> bool:
    return any(e.method == "editMessageReplyMarkup" and e.message_id == message.message_id
               and not e.reply_markup for e in telegram.edits)


async def test_a_press_a_dead_process_left_unanswered_is_answered_after_the_restart(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    consent = await press_and_die(db, tg_settings, telegram, monkeypatch)
    async with polling(db, tg_settings):
        await telegram.wait_until(lambda: not telegram.unanswered_callbacks(), what="answers")
        await telegram.wait_until(lambda: keyboard_removed(telegram, consent), what="edit")
        await telegram.wait_for_sent(MAI, count=2)  # the reply the dead process had queued
    assert len(telegram.sent_to(MAI)) == 2  # consent, then the contact request: handled once
    assert all(row.followed_up_at is not None for row in await stored(db))


async def test_a_press_too_old_to_answer_counts_as_followed_up_but_one_unsent_does_not(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    consent = await press_and_die(db, tg_settings, telegram, monkeypatch)
    telegram.fail_next("answerCallbackQuery", 502)  # Telegram unavailable: try again later
    telegram.fail_next("editMessageReplyMarkup", 502)
    async with polling(db, tg_settings):
        await telegram.wait_until(lambda: tried(telegram, "editMessageReplyMarkup") == [502],
                                  what="the edit")
    assert [r.followed_up_at is None for r in await stored(db)][-1]

    telegram.fail_next("answerCallbackQuery", 400, description=QUERY_TOO_OLD)
    async with polling(db, tg_settings):
        await telegram.wait_until(lambda: keyboard_removed(telegram, consent), what="edit")
        await telegram.wait_until(
            lambda: tried(telegram, "answerCallbackQuery") == [502, 400], what="the answer")
    assert all(row.followed_up_at is not None for row in await stored(db))

"""Members and officers on Telegram: the real aiogram bot against a local fake Bot API."""

from __future__ import annotations

import aiohttp
from sqlmodel import select

from bot.telegram import TelegramRuntime
from storage.db import Database
from storage.models import ChatAccount, InboxUpdate
from tests.conversations.conftest import Branch
from tests.e2e.conftest import WEBHOOK_SECRET, polling, real_now
from tests.e2e.fake_bot_api import FakeBotAPI, SentMessage
from vocabulary.settings import Settings

MAI = 7001  # Trần Thị Mai's Telegram user id
PHONE = "+84912000102"


def button(message: SentMessage, label_part: str) -> str:
    for found in message.buttons():
        if label_part in found["text"]:
            return found["callback_data"]
    raise AssertionError(f"no button like {label_part!r} in {message.buttons()}")


async def register(telegram: FakeBotAPI) -> SentMessage:
    """Mai starts, agrees by button, shares her own contact; returns the last reply."""
    await telegram.user_message(MAI, "/start")
    consent = (await telegram.wait_for_sent(MAI))[-1]
    await telegram.user_callback(MAI, consent.message_id, button(consent, "Đồng ý"))
    ask = (await telegram.wait_for_sent(MAI, count=2))[-1]
    assert ask.buttons()[0].get("request_contact") is True
    await telegram.user_contact(MAI, PHONE, MAI)
    return (await telegram.wait_for_sent(MAI, count=3))[-1]


async def test_registration_by_polling(db: Database, tg_settings: Settings, telegram: FakeBotAPI,
                                       org: Branch):
    async with polling(db, tg_settings):
        linked = await register(telegram)
        assert "Cảm ơn đồng chí Trần Thị Mai" in (linked.text or "")
        assert "Thông tin của tôi" in [b["text"] for b in linked.buttons()]
        await telegram.wait_until(lambda: not telegram.unanswered_callbacks(), what="answers")
    assert any(e.method == "editMessageReplyMarkup" for e in telegram.edits)
    assert all(len(d.encode()) <= 64 for m in telegram.sent for d in m.callback_data())


async def test_profile_and_english_command_menu(db: Database, tg_settings: Settings,
                                                telegram: FakeBotAPI, org: Branch):
    async with polling(db, tg_settings):
        linked = await register(telegram)
        await telegram.user_callback(MAI, linked.message_id, button(linked, "Ngôn ngữ"))
        question = (await telegram.wait_for_sent(MAI, count=4))[-1]
        await telegram.user_callback(MAI, question.message_id, button(question, "English"))
        changed = (await telegram.wait_for_sent(MAI, count=5))[-1]
        assert "answer in English" in (changed.text or "")
        await telegram.user_callback(MAI, changed.message_id, button(changed, "My information"))
        group = (await telegram.wait_for_sent(MAI, count=6))[-1]
        await telegram.user_callback(MAI, group.message_id, button(group, "My profile"))
        profile = (await telegram.wait_for_sent(MAI, count=7))[-1]
    assert "Full name: Trần Thị Mai" in (profile.text or "")
    chat_menus = [cmds for (scope, _lang), cmds in telegram.commands.items() if str(MAI) in scope]
    assert any(c["command"] == "profile" and c["description"] == "My profile"
               for menu in chat_menus for c in menu)


async def test_a_forwarded_contact_is_refused(db: Database, tg_settings: Settings,
                                              telegram: FakeBotAPI, org: Branch):
    async with polling(db, tg_settings):
        await telegram.user_message(MAI, "xin chào")
        consent = (await telegram.wait_for_sent(MAI))[-1]
        await telegram.user_callback(MAI, consent.message_id, button(consent, "Đồng ý"))
        await telegram.wait_for_sent(MAI, count=2)
        await telegram.user_contact(MAI, "+84912000101", 9999)  # the secretary's, forwarded
        refusal = (await telegram.wait_for_sent(MAI, count=3))[-1]
    assert "chính đồng chí" in (refusal.text or "")
    async with db.session() as session:
        assert (await session.exec(select(ChatAccount))).all() == []


async def test_a_replayed_or_forged_button_takes_no_effect(db: Database, tg_settings: Settings,
                                                           telegram: FakeBotAPI, org: Branch):
    async with polling(db, tg_settings):
        await telegram.user_message(MAI, "/start")
        consent = (await telegram.wait_for_sent(MAI))[-1]
        decline = button(consent, "Không đồng ý")
        await telegram.user_callback(MAI, consent.message_id, button(consent, "Đồng ý"))
        await telegram.wait_for_sent(MAI, count=2)
        await telegram.user_callback(MAI, consent.message_id, decline, check_button=False)
        replay = (await telegram.wait_for_sent(MAI, count=3))[-1]
        await telegram.user_callback(MAI, consent.message_id, "v1|a:approve:42",
                                     check_button=False)
        forged = (await telegram.wait_for_sent(MAI, count=4))[-1]
        await telegram.wait_until(lambda: not telegram.unanswered_callbacks(), what="answers")
    assert "câu hỏi cũ" in (replay.text or "")
    assert "câu hỏi cũ" in (forged.text or "")
    assert "Không đồng ý" not in (replay.text or "")


async def test_unsupported_kinds_and_groups(db: Database, tg_settings: Settings,
                                            telegram: FakeBotAPI, org: Branch):
    async with polling(db, tg_settings):
        await telegram.group_message(MAI, -100200, "/start")
        await telegram.user_sticker(MAI)
        reply = (await telegram.wait_for_sent(MAI))[-1]
        await telegram.wait_updates_consumed()
    assert "nhãn dán" in (reply.text or "")
    assert telegram.sent_to(-100200) == []


async def test_files_too_large_or_of_the_wrong_type_are_refused(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch
):
    async with polling(db, tg_settings):
        await telegram.user_document(MAI, "doc-1", "giay.docx", mime_type="application/msword",
                                     file_size=1000)
        wrong = (await telegram.wait_for_sent(MAI))[-1]
        await telegram.user_photo(MAI, "photo-1", file_size=tg_settings.file_max_bytes + 1)
        large = (await telegram.wait_for_sent(MAI, count=2))[-1]
    assert "PDF" in (wrong.text or "")
    assert "lớn quá" in (large.text or "")


async def test_an_update_recorded_before_a_crash_is_handled_once_after_restart(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch
):
    first = TelegramRuntime(db, tg_settings, real_now)
    import asyncio

    task = asyncio.create_task(first.poller.run())  # records, but its worker never runs
    await telegram.user_message(MAI, "xin chào")
    await telegram.wait_updates_consumed()
    first.stop_polling()
    await task  # the process "dies": Telegram has confirmed the update, nothing was handled
    await first.bot.session.close()
    assert telegram.sent_to(MAI) == []
    await db.dispose()

    reborn = Database(tg_settings.effective_database_url)
    second = TelegramRuntime(reborn, tg_settings, real_now)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + tg_settings.inbox_peer_grace_seconds + 5
        handled = 0
        while not handled and loop.time() < deadline:  # left by a process that may be alive
            handled = await second.service.inbox.process_pending()
            await asyncio.sleep(0.1)
        assert handled == 1
        assert await second.service.inbox.process_pending() == 0
        await second.service.delivery.drain()
        async with reborn.session() as session:
            rows = (await session.exec(select(InboxUpdate))).all()
    finally:
        await second.bot.session.close()
        await reborn.dispose()
    assert len(telegram.sent_to(MAI)) == 1
    assert "91/2025/QH15" in (telegram.sent_to(MAI)[0].text or "")
    assert len(rows) == 1


async def test_webhook_needs_the_secret(db: Database, tg_settings: Settings, telegram: FakeBotAPI,
                                        org: Branch, unused_tcp_port: int):
    from aiohttp import web

    settings = tg_settings.model_copy(update={
        "telegram_webhook_url": f"http://127.0.0.1:{unused_tcp_port}/telegram/webhook"})
    runtime = TelegramRuntime(db, settings, real_now)
    runner = web.AppRunner(runtime.webhook_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        assert telegram.webhook_secret == WEBHOOK_SECRET
        update = telegram.new_update("message", {
            "message_id": 1, "date": 1_790_000_000, "text": "xin chào",
            "chat": {"id": MAI, "type": "private"},
            "from": {"id": MAI, "is_bot": False, "first_name": "Mai"}})
        async with aiohttp.ClientSession() as client:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with client.post(settings.telegram_webhook_url or "", json=update,
                                       headers=headers) as response:
                    assert response.status in (401, 403)
        async with db.session() as session:
            assert (await session.exec(select(InboxUpdate))).all() == []
        assert await telegram.user_message(MAI, "xin chào") is not None
        reply = (await telegram.wait_for_sent(MAI))[-1]
        assert "91/2025/QH15" in (reply.text or "")
        assert telegram.webhook_deliveries[-1].status == 200
    finally:
        await runner.cleanup()


async def test_webhook_refuses_to_start_without_a_secret(db: Database,
                                                         tg_settings: Settings) -> None:
    import pytest

    settings = tg_settings.model_copy(update={"telegram_webhook_secret": None})
    runtime = TelegramRuntime(db, settings, real_now)
    try:
        with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
            runtime.webhook_app()
    finally:
        await runtime.bot.session.close()

"""Monthly topics on Telegram: «Đã đọc» by button, the secretary's voice note in and out."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlmodel import select

from conversations.topics import calendar, rounds
from handlers.telegram.app import make_bot
from handlers.telegram.sender import TelegramSender
from storage.db import Database
from storage.files import FileStore
from storage.models import TopicRead, TopicRound
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.e2e.conftest import polling
from tests.e2e.fake_bot_api import FakeBotAPI
from tests.e2e.test_exemption_telegram import tap
from vocabulary.channels import Rendered
from vocabulary.settings import Settings

MAI, SEC = 7101, 7102


@pytest.fixture
async def linked(db: Database, org: Branch) -> None:
    for member, user_id in ((org.mai, MAI), (org.secretary, SEC)):
        await f.link(db, member, str(user_id), channel="telegram")


async def test_read_is_a_button_on_telegram(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
) -> None:
    # The topics are bulk messages and the clock is the real one: no quiet hours to wait out.
    tg_settings.quiet_hours_start = tg_settings.quiet_hours_end = time(0, 0)
    now = datetime.now(UTC)
    async with polling(db, tg_settings):
        async with db.session() as session:
            await rounds.send_month(session, tg_settings, calendar.month_of(tg_settings, now),
                                    now)
        await telegram.wait_for_sent(MAI)
        reply = await tap(telegram, MAI, "Đã đọc")
    assert "Đã ghi nhận" in (reply.text or "")
    async with db.session() as session:
        assert (await session.exec(select(TopicRead.member_id))).all() == [org.mai.id]


async def test_the_secretary_records_a_voice_note_in_telegram(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
) -> None:
    async with polling(db, tg_settings):
        await telegram.user_message(SEC, "/menu")
        await telegram.wait_for_sent(SEC)
        for label in ("Sinh hoạt chi bộ", "Chủ đề tháng", "Ghi âm lời giới thiệu"):
            await tap(telegram, SEC, label)
        shown = len(telegram.sent_to(SEC))
        telegram.add_file("voice-1", b"OggS voice", "voice/file_1.oga")
        voice = {"file_id": "voice-1", "file_unique_id": "uvoice1", "duration": 95,
                 "mime_type": "audio/ogg", "file_size": 10}
        user = telegram._user(SEC, None, None, None, "vi")
        await telegram._push_message(telegram._user_message(user, None, voice=voice))
        saved = (await telegram.wait_for_sent(SEC, count=shown + 1))[-1]
    assert "Đã lưu lời giới thiệu" in (saved.text or "")
    async with db.session() as session:
        planned = (await session.exec(select(TopicRound))).one()
    assert planned.voice is not None
    assert planned.voice["mime_type"] == "audio/ogg"


async def test_a_voice_note_over_the_limit_is_refused_and_a_shorter_one_kept(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI, org: Branch, linked: None
) -> None:
    user = telegram._user(SEC, None, None, None, "vi")
    limit = tg_settings.topics_voice_max_seconds
    async with polling(db, tg_settings):
        await telegram.user_message(SEC, "/menu")
        await telegram.wait_for_sent(SEC)
        for label in ("Sinh hoạt chi bộ", "Chủ đề tháng", "Ghi âm lời giới thiệu"):
            await tap(telegram, SEC, label)
        replies = []
        for number, duration in enumerate((limit + 1, limit), start=1):
            shown = len(telegram.sent_to(SEC))
            telegram.add_file(f"voice-{number}", b"OggS voice", f"voice/file_{number}.oga")
            voice = {"file_id": f"voice-{number}", "file_unique_id": f"uvoice{number}",
                     "duration": duration, "mime_type": "audio/ogg", "file_size": 10}
            await telegram._push_message(telegram._user_message(user, None, voice=voice))
            replies.append((await telegram.wait_for_sent(SEC, count=shown + 1))[-1].text or "")
    assert "ghi lại ngắn hơn" in replies[0]
    assert "Đã lưu lời giới thiệu" in replies[1]
    async with db.session() as session:
        planned = (await session.exec(select(TopicRound))).one()
    assert planned.voice is not None


async def test_a_voice_note_goes_out_as_a_voice_message(
    telegram: FakeBotAPI, tg_settings: Settings
) -> None:
    note = FileStore.of(tg_settings).save(b"OggS voice", "voice.ogg", "audio/ogg")
    bot = make_bot(tg_settings)
    sender = TelegramSender(bot, tg_settings)
    try:
        message = Rendered("Chủ đề tháng", attachment=note)
        for index in range(sender.parts(message)):
            await sender.send_part(str(MAI), message, index)
    finally:
        await bot.session.close()
    assert [m.method for m in telegram.sent_to(MAI)] == ["sendVoice", "sendMessage"]

"""Moving a meeting in chat: past, impossible and clashing times refused, a summary to
confirm, those reminded told, reminders re-planned and sent again for the new date, answers
kept; presses of others ignored."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models import Meeting
from tests.conversations.meetings.conftest import (
    People,
    attendees,
    fire,
    hold,
    texts_to,
    timers,
)
from tests.conversations.meetings.test_answers import open_meeting, reminded
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings

OTHER_AT = datetime(2026, 12, 6, 12, 30, tzinfo=UTC)  # 19:30 on 6 December, Hà Nội
MOVED_AT = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)


async def test_the_secretary_moves_a_meeting_and_those_reminded_are_told(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await hold(db, settings, clock, people.org.branch, OTHER_AT)
    meeting = await reminded(db, settings, clock, people, chat)
    await chat.tap(people.long, chat.choice_id(people.long, "Tôi sẽ dự"))
    await open_meeting(chat, people)
    asked = await chat.tap(people.sec, chat.choice_id(people.sec, "Dời lịch / đổi địa điểm"))
    assert "đang định lúc 19:30 ngày 03/12/2026" in asked
    assert "đã qua" in await chat.say(people.sec, "01/12 19:30")
    assert "Giờ chưa đúng" in await chat.say(people.sec, "05/12 25:00")
    assert "Trùng với một buổi sinh hoạt khác" in await chat.say(people.sec, "06/12 19:45")
    assert "Địa điểm hiện nay: Nhà văn hóa ấp" in await chat.say(people.sec, "05/12 19:30")
    summary = await chat.say(people.sec, "Hội trường xã")
    assert "Trước: 19:30 ngày 03/12/2026, tại Nhà văn hóa ấp" in summary
    assert "Sau: 19:30 ngày 05/12/2026, tại Hội trường xã" in summary
    done = await chat.tap(people.sec, chat.choice_id(people.sec, "Đồng ý thay đổi"))
    assert "Đã dời buổi sinh hoạt sang 19:30 ngày 05/12/2026; đã báo cho 6 đồng chí" in done
    async with db.session() as session:
        moved = await session.get(Meeting, meeting.id)
        assert moved is not None
        assert (moved.starts_at, moved.place) == (MOVED_AT, "Hội trường xã")
    notice = texts_to(chat, people.mai)
    assert "Buổi sinh hoạt đã đổi thời gian hoặc địa điểm" in notice
    assert "📍 Địa điểm: Hội trường xã" in notice
    assert (await attendees(db, meeting.id or 0))[people.org.husband.id or 0].answer == "attend"
    dues = {t.key: t.due_at for t in await timers(db, f"meeting:{meeting.id}:")}
    assert dues == {f"meeting:{meeting.id}:remind:1": datetime(2026, 12, 4, 0, 0, tzinfo=UTC),
                    f"meeting:{meeting.id}:remind:0": datetime(2026, 12, 5, 0, 0, tzinfo=UTC)}
    clock.now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # the day before the new date
    before = len(chat.sender.sent)
    await fire(db, settings, clock, chat)
    again = [m.text for c, m in chat.sender.sent[before:] if c == people.mai.chat_id]
    assert len(again) == 1
    assert "19:30 ngày 05/12/2026" in again[0]


async def test_a_press_from_another_member_moves_nothing(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await reminded(db, settings, clock, people, chat)
    await open_meeting(chat, people)
    await chat.tap(people.sec, chat.choice_id(people.sec, "Dời lịch / đổi địa điểm"))
    await chat.say(people.sec, "05/12 19:30")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Giữ địa điểm cũ"))
    forged = chat.choice_id(people.sec, "Đồng ý thay đổi")
    # The tổ trưởng does not run the chi bộ's meeting; Mai runs none.
    assert "Đã dời" not in await chat.tap(people.lead, forged)
    assert "Đã dời" not in await chat.tap(people.mai, forged)
    async with db.session() as session:
        still = await session.get(Meeting, meeting.id)
        assert still is not None
        assert (still.starts_at, still.revision) == (meeting.starts_at, 1)
    assert "Đã dời" in await chat.tap(people.sec, forged)

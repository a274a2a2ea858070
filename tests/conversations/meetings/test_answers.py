"""Members answer a reminder («Tôi sẽ dự», «Tôi xin vắng» with a reason); the secretary sees
who answered what, and who has not, before the meeting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.db import Database
from storage.models import Meeting
from tests.conversations.meetings.conftest import People, attendees, fire, hold, texts_to
from tests.support import TYPED, Chat, FakeClock
from vocabulary.settings import Settings

MEETING_AT = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)  # 19:30 in Hà Nội
DAY_BEFORE = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


async def reminded(db: Database, settings: Settings, clock: FakeClock, people: People,
                   chat: Chat) -> Meeting:
    meeting = await hold(db, settings, clock, people.org.branch, MEETING_AT)
    clock.now = DAY_BEFORE
    await fire(db, settings, clock, chat)
    return meeting


async def test_a_member_says_he_will_attend_with_one_tap(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await reminded(db, settings, clock, people, chat)
    reply = await chat.tap(people.long, chat.choice_id(people.long, "Tôi sẽ dự"))
    assert "Đã ghi: đồng chí sẽ dự buổi sinh hoạt lúc 19:30 ngày 03/12/2026" in reply
    assert (await attendees(db, meeting.id or 0))[people.org.husband.id or 0].answer == "attend"


async def test_a_member_asks_to_be_excused_for_health(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await reminded(db, settings, clock, people, chat)
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi xin vắng"))
    assert "Đồng chí xin vắng vì lý do gì?" in reply
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, "Sức khỏe"))
    assert "Đã ghi: đồng chí xin vắng (Sức khỏe)" in reply
    row = (await attendees(db, meeting.id or 0))[people.org.mai.id or 0]
    assert (row.answer, row.reason) == ("absent", "health")


async def test_another_reason_is_written_and_shown_to_the_secretary(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await reminded(db, settings, clock, people, chat)
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi xin vắng"))
    await chat.tap(people.mai, chat.choice_id(people.mai, "Lý do khác"))
    assert "Đã ghi" in await chat.say(people.mai, "Đưa con đi thi")
    await chat.tap(people.long, chat.choice_id(people.long, "Tôi sẽ dự"))
    view = await open_meeting(chat, people)
    assert "Sẽ dự (1): Đỗ Văn Long" in view
    assert "Xin vắng (1):" in view
    assert "Trần Thị Mai: Lý do khác Đưa con đi thi" in view
    assert "Chưa trả lời (4):" in view
    assert "Nguyễn Văn Hùng" in view


async def open_meeting(chat: Chat, people: People, label: str = "03/12/2026") -> str:
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Lịch sinh hoạt và điểm danh"))
    return await chat.tap(people.sec, chat.choice_id(people.sec, label))


async def test_on_a_text_channel_the_answers_are_named_codes_read_back_first(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    typed = Chat(db, settings, clock, TYPED)
    meeting = await reminded(db, settings, clock, people, typed)
    notice = texts_to(typed, people.mai)
    assert "Trả lời «1 h1» để chọn: ✅ Tôi sẽ dự" in notice
    assert "Trả lời «2 h1» để chọn: 🙏 Tôi xin vắng" in notice
    assert "Đồng chí vừa gõ «2 h1»: 🙏 Tôi xin vắng" in await typed.say(people.mai, "2 h1")
    assert (await attendees(db, meeting.id or 0))[people.org.mai.id or 0].answer is None
    assert "Đồng chí xin vắng vì lý do gì?" in await typed.say(people.mai, "1")
    assert "Đã ghi: đồng chí xin vắng (Đi công tác)" in await typed.say(people.mai, "1")


async def test_a_typed_code_confirmed_after_the_meeting_began_records_nothing(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    typed = Chat(db, settings, clock, TYPED)
    meeting = await reminded(db, settings, clock, people, typed)
    assert "Chibot chưa hiểu" in await typed.say(people.mai, "1 h99")  # never shown to her
    assert "Đồng chí vừa gõ «1 h1»" in await typed.say(people.mai, "1 h1")
    clock.now = MEETING_AT
    assert "đã bắt đầu" in await typed.say(people.mai, "1")
    assert (await attendees(db, meeting.id or 0))[people.org.mai.id or 0].answer is None


async def test_a_bare_number_never_answers_a_reminder(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    typed = Chat(db, settings, clock, TYPED)
    meeting = await reminded(db, settings, clock, people, typed)
    await typed.say(people.mai, "2")
    await typed.say(people.mai, "1")
    assert (await attendees(db, meeting.id or 0))[people.org.mai.id or 0].answer is None


async def test_no_answer_once_the_meeting_began_nor_from_someone_not_expected(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    group_meeting = await hold(db, settings, clock, people.group, MEETING_AT)
    await reminded(db, settings, clock, people, chat)
    forged = f"a:mt:yes:{group_meeting.id}"  # Mai is not in the group
    assert "không có trong danh sách" in await chat.tap(people.mai, forged)
    clock.now = MEETING_AT
    assert "đã bắt đầu" in await chat.tap(people.long, chat.choice_id(people.long, "Tôi sẽ dự"))


@pytest.mark.parametrize("forged", ["a:mt:yes:²", "a:mt:maybe:1", "a:mt:yes:99999"])
async def test_forged_answer_buttons_are_refused(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat, forged: str
) -> None:
    await reminded(db, settings, clock, people, chat)
    assert "không có trong danh sách" in await chat.tap(people.mai, forged)

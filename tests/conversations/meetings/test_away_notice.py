"""A member who only informed the chi bộ he/she is away: one notice instead of the reminders,
counted absent with reason (đi làm ăn xa) unless he/she says «Tôi vẫn sẽ dự»."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from conversations.meetings import service
from storage.db import Database
from storage.models import Attendance, AwayArrangement, AwayRecord, Meeting, Member
from storage.repos import meetings as repo
from tests.conversations.meetings.conftest import (
    People,
    acting_on,
    attendees,
    fire,
    hold,
    outbox_keys,
    texts_to,
)
from tests.conversations.meetings.test_answers import open_meeting
from tests.support import TYPED, Chat, FakeClock
from vocabulary.settings import Settings

MEETING_AT = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)  # 19:30 in Hà Nội
DAY_BEFORE = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
MORNING = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


async def away(db: Database, member: Member, people: People, clock: FakeClock,
               arrangement: AwayArrangement = AwayArrangement.INFORM,
               ends_on: date | None = date(2026, 12, 20)) -> None:
    async with db.session() as session:
        session.add(AwayRecord(member_id=member.id or 0, branch_id=people.org.branch.id or 0,
                               arrangement=arrangement, place="Bình Dương", reason="work",
                               starts_on=date(2026, 11, 25), ends_on=ends_on,
                               last_contact_at=clock(), created_at=clock()))


async def both_reminders(db: Database, settings: Settings, clock: FakeClock, people: People,
                         chat: Chat) -> Meeting:
    meeting = await hold(db, settings, clock, people.org.branch, MEETING_AT)
    for moment in (DAY_BEFORE, MORNING):
        clock.now = moment
        await fire(db, settings, clock, chat)
    return meeting


async def test_a_member_away_on_inform_only_gets_one_notice_and_no_reminder(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await away(db, people.org.mai, people, clock)
    meeting = await both_reminders(db, settings, clock, people, chat)
    assert await fire(db, settings, clock, chat) == 0  # a restart: nothing more
    assert await outbox_keys(db, f"meeting-reminder:{meeting.id}:{people.org.mai.id}:") == []
    assert await outbox_keys(db, "meeting-away:") == [
        f"meeting-away:{meeting.id}:{people.org.mai.id}"]
    text = texts_to(chat, people.mai)
    assert text.count("trong thời gian đồng chí báo đi làm ăn xa") == 1
    assert "19:30" in text
    assert "03/12/2026" in text
    assert "Nhà văn hóa ấp" in text
    assert "vắng có lý do (đi làm ăn xa)" in text
    assert "Tôi vẫn sẽ dự" in text
    assert "Tôi xin vắng" not in text
    assert "Nhắc đồng chí" not in text
    # The others are reminded as usual.
    assert "ngày mai có sinh hoạt" in texts_to(chat, people.long)


async def test_saying_i_will_still_attend_makes_the_member_expected_as_usual(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await away(db, people.org.mai, people, clock)
    meeting = await hold(db, settings, clock, people.org.branch, MEETING_AT)
    clock.now = DAY_BEFORE
    await fire(db, settings, clock, chat)
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi vẫn sẽ dự"))
    assert "Đã ghi: đồng chí sẽ dự buổi sinh hoạt lúc 19:30 ngày 03/12/2026" in reply
    row = (await attendees(db, meeting.id or 0))[people.org.mai.id or 0]
    assert (row.answer, row.reason) == ("attend", None)
    clock.now = MORNING  # now reminded as anyone who said he/she will come
    await fire(db, settings, clock, chat)
    assert "hôm nay có sinh hoạt" in texts_to(chat, people.mai)
    assert "Sẽ dự (1): Trần Thị Mai" in await open_meeting(chat, people)


async def test_without_a_reply_the_member_is_absent_with_reason_and_counted(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await away(db, people.org.mai, people, clock)
    meeting = await both_reminders(db, settings, clock, people, chat)
    view = await open_meeting(chat, people)
    assert "Xin vắng (1):" in view
    assert "Trần Thị Mai: Đi làm ăn xa" in view
    clock.now = MEETING_AT + timedelta(hours=2)
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        marks = await service.checklist(do.session, settings, found)
        assert marks[people.org.mai.id or 0] == Attendance.EXCUSED
        present, expected = await service.save_attendance(do, found, marks)
    assert expected == len(marks)  # she is expected: her absence lowers the rate
    assert present == expected - 1
    async with db.session() as session:
        assert await repo.unexcused_months(session, people.org.mai.id or 0, 2026) == 0


async def test_a_member_who_told_the_secretary_late_is_shown_excused(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await both_reminders(db, settings, clock, people, chat)
    await away(db, people.org.mai, people, clock)  # reported after the reminders went out
    assert "Trần Thị Mai: Đi làm ăn xa" in await open_meeting(chat, people)
    assert (await attendees(db, meeting.id or 0))[people.org.mai.id or 0].reason == "away"


async def test_a_member_whose_reported_period_ended_before_the_meeting_is_reminded(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await away(db, people.org.mai, people, clock, ends_on=date(2026, 12, 1))
    meeting = await both_reminders(db, settings, clock, people, chat)
    assert await outbox_keys(db, "meeting-away:") == []
    assert len(await outbox_keys(db, f"meeting-reminder:{meeting.id}:{people.org.mai.id}:")) == 2
    assert "Tôi xin vắng" in texts_to(chat, people.mai)
    assert (await attendees(db, meeting.id or 0))[people.org.mai.id or 0].answer is None


async def test_members_away_on_tam_mien_still_get_nothing(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await away(db, people.org.mai, people, clock, AwayArrangement.SUSPEND)
    meeting = await both_reminders(db, settings, clock, people, chat)
    assert texts_to(chat, people.mai) == ""
    assert people.org.mai.id not in await attendees(db, meeting.id or 0)


async def test_on_a_text_channel_the_notice_names_its_one_answer(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    typed = Chat(db, settings, clock, TYPED)
    await away(db, people.org.mai, people, clock)
    meeting = await hold(db, settings, clock, people.org.branch, MEETING_AT)
    clock.now = DAY_BEFORE
    await fire(db, settings, clock, typed)
    notice = texts_to(typed, people.mai)
    assert f"Trả lời «1 h{meeting.id}» để chọn: ✅ Tôi vẫn sẽ dự" in notice
    assert f"«2 h{meeting.id}»" not in notice
    await typed.say(people.mai, f"1 h{meeting.id}")
    await typed.say(people.mai, "1")  # the read-back confirmed
    assert (await attendees(db, meeting.id or 0))[people.org.mai.id or 0].answer == "attend"


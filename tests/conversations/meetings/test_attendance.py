"""Attendance after the meeting: a checklist pre-filled with the answers, editable for a
week, the meeting's and the chi bộ's rate against 85%, and the early warnings of Art. 8."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversations.meetings import service
from storage.db import Database
from storage.models import Attendance, Meeting, MeetingKind
from tests.conversations.meetings.conftest import People, acting_on, attendees, hold, texts_to
from tests.conversations.meetings.test_answers import MEETING_AT, open_meeting, reminded
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings


async def test_the_secretary_marks_from_the_answers_and_sees_the_rates(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await reminded(db, settings, clock, people, chat)
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi xin vắng"))
    await chat.tap(people.mai, chat.choice_id(people.mai, "Đi công tác"))
    clock.now = MEETING_AT + timedelta(hours=3)
    await open_meeting(chat, people)
    checklist = await chat.tap(people.sec, chat.choice_id(people.sec, "Điểm danh"))
    labels = [label for _id, label in chat.last_choices(people.sec)]
    assert "Trần Thị Mai: vắng có lý do" in labels
    assert "Đỗ Văn Long: có mặt" in labels
    assert "chạm vào tên để đổi" in checklist
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đỗ Văn Long"))  # present -> excused
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đỗ Văn Long"))  # -> unexcused
    assert "Đỗ Văn Long: vắng không lý do" in [label for _id, label in
                                                 chat.last_choices(people.sec)]
    saved = await chat.tap(people.sec, chat.choice_id(people.sec, "Lưu điểm danh"))
    assert "Đã lưu điểm danh." in saved
    assert "Tỷ lệ dự buổi này: 4/6 = 67% (chưa đạt, tiêu chí 85%)" in saved
    assert "từ đầu năm: 4/6 = 67%" in saved
    marks = {k: a.attendance for k, a in (await attendees(db, meeting.id or 0)).items()}
    assert marks[people.org.mai.id or 0] == Attendance.EXCUSED
    assert marks[people.org.husband.id or 0] == Attendance.UNEXCUSED


async def test_marking_is_open_from_the_start_for_the_set_number_of_days(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await reminded(db, settings, clock, people, chat)
    await open_meeting(chat, people)  # before the meeting: no checklist yet
    assert all("Điểm danh" not in label for _id, label in chat.last_choices(people.sec))
    await chat.say(people.sec, "/cancel")
    clock.now = MEETING_AT + timedelta(minutes=1)
    await open_meeting(chat, people)
    assert any("Điểm danh" in label for _id, label in chat.last_choices(people.sec))
    await chat.say(people.sec, "/cancel")
    clock.now = MEETING_AT + timedelta(days=settings.meeting_attendance_edit_days, minutes=1)
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Lịch sinh hoạt và điểm danh"))
    assert all("03/12/2026" not in label for _id, label in chat.last_choices(people.sec))


async def test_only_the_chi_bo_leaders_and_the_group_leader_for_his_group_may_mark(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await reminded(db, settings, clock, people, chat)
    await hold(db, settings, clock, people.group, datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    await chat.say(people.mai, "/menu")  # a member: no officers' group at all
    assert all("Việc của cấp ủy" not in label for _id, label in chat.last_choices(people.mai))
    await chat.open_menu(people.lead, "Việc của cấp ủy")
    await chat.tap(people.lead, chat.choice_id(people.lead, "Lịch sinh hoạt và điểm danh"))
    shown = [label for _id, label in chat.last_choices(people.lead)]
    assert any("Tổ đảng số 1" in label for label in shown)
    assert all("Chi bộ ấp Bình Minh" not in label for label in shown)
    await chat.open_menu(people.dep, "Việc của cấp ủy")
    await chat.tap(people.dep, chat.choice_id(people.dep, "Lịch sinh hoạt và điểm danh"))
    shown = [label for _id, label in chat.last_choices(people.dep)]
    assert any("Tổ đảng số 1" in label for label in shown)
    assert any("Chi bộ ấp Bình Minh" in label for label in shown)


async def save(db: Database, settings: Settings, clock: FakeClock, meeting: Meeting,
               marks: dict[int, Attendance]) -> list[str]:
    """Save the checklist with these changes, as the secretary would; the keys of the
    messages it queued."""
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        checklist = await service.checklist(do.session, settings, found)
        await service.save_attendance(do, found, {**checklist, **marks})
        return [m.dedupe_key or "" for m in do.out]


async def monthly(db: Database, settings: Settings, clock: FakeClock, people: People,
                  count: int) -> list[Meeting]:
    """Regular meetings on the 3rd of the coming months."""
    return [await hold(db, settings, clock, people.org.branch,
                       datetime(2026 + (11 + n) // 12, (11 + n) % 12 + 1, 3, 12, 30, tzinfo=UTC))
            for n in range(count)]


async def test_the_second_month_missed_without_reason_tells_the_secretary_and_the_member(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    first, second, third, fourth = await monthly(db, settings, clock, people, 4)
    # December 2026 belongs to another year: January and February are 2027's 1st and 2nd.
    long = people.org.husband.id or 0
    clock.now = first.starts_at + timedelta(hours=2)
    assert await save(db, settings, clock, first, {long: Attendance.UNEXCUSED}) == []
    clock.now = second.starts_at + timedelta(hours=2)
    assert await save(db, settings, clock, second, {long: Attendance.UNEXCUSED}) == []
    clock.now = third.starts_at + timedelta(hours=2)
    keys = await save(db, settings, clock, third, {long: Attendance.UNEXCUSED})
    assert sorted(keys) == sorted([
        f"meeting-art8:{long}:2027:2:{people.org.secretary.id}",
        f"meeting-art8:{long}:2027:2:{people.deputy.id}",
        f"meeting-art8:{long}:2027:2:self"])
    await chat.flush()
    assert "2 tháng trong năm 2027" in texts_to(chat, people.sec)
    assert "Chi bộ rất mong đồng chí thu xếp dự" in texts_to(chat, people.long)
    clock.now = fourth.starts_at + timedelta(hours=2)
    keys = await save(db, settings, clock, fourth, {long: Attendance.UNEXCUSED})
    assert f"meeting-art8:{long}:2027:limit:{people.org.secretary.id}" in keys
    assert not any(k.endswith(":self") for k in keys)  # the member is not told about Art. 8
    await chat.flush()
    assert "thuộc trường hợp Điều 8" in texts_to(chat, people.sec)


async def test_a_month_counts_once_and_a_thematic_meeting_not_at_all(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    clock.now = datetime(2026, 12, 20, tzinfo=UTC)
    january = datetime(2027, 1, 3, 12, 30, tzinfo=UTC)
    regular = await hold(db, settings, clock, people.org.branch, january)
    thematic = await hold(db, settings, clock, people.org.branch, january + timedelta(days=10),
                          MeetingKind.THEMATIC)
    extra = await hold(db, settings, clock, people.org.branch, january + timedelta(days=12),
                       MeetingKind.EXTRAORDINARY)
    long = people.org.husband.id or 0
    for meeting in (regular, thematic, extra):
        clock.now = meeting.starts_at + timedelta(hours=2)
        assert await save(db, settings, clock, meeting, {long: Attendance.UNEXCUSED}) == []


async def test_three_excused_absences_in_a_row_are_flagged_to_the_secretary(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    meetings = await monthly(db, settings, clock, people, 3)
    mai = people.org.mai.id or 0
    keys: list[str] = []
    for meeting in meetings:
        clock.now = meeting.starts_at + timedelta(hours=2)
        keys = await save(db, settings, clock, meeting, {mai: Attendance.EXCUSED})
        if meeting is not meetings[-1]:
            assert keys == []
    assert f"meeting-excused:{mai}:{meetings[-1].id}:{people.org.secretary.id}" in keys


async def test_a_correction_within_the_week_is_saved_and_after_it_refused(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    [meeting] = await monthly(db, settings, clock, people, 1)
    mai = people.org.mai.id or 0
    clock.now = meeting.starts_at + timedelta(days=6)
    await save(db, settings, clock, meeting, {mai: Attendance.EXCUSED})
    assert (await attendees(db, meeting.id or 0))[mai].attendance == Attendance.EXCUSED
    clock.now = meeting.starts_at + timedelta(days=8)
    with pytest.raises(service.MeetingError) as refused:
        await save(db, settings, clock, meeting, {mai: Attendance.PRESENT})
    assert refused.value.msg.key == "meetings.error.mark_window"


async def test_the_year_rate_counts_the_regular_meetings_marked(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    _december, first, second = await monthly(db, settings, clock, people, 3)
    mai = people.org.mai.id or 0
    for meeting in (first, second):
        clock.now = meeting.starts_at + timedelta(hours=2)
        await save(db, settings, clock, meeting, {mai: Attendance.UNEXCUSED})
    async with db.session() as session:
        found = await session.get(Meeting, second.id)
        assert found is not None
        assert await service.year_rate(session, found) == (10, 12)

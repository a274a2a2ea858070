"""Reminders: set for each meeting of a plan, spread over their window, sent once to those
expected, late only while the meeting is ahead; changes and cancellations told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from bot.timer_kinds import timer_runner
from conversations.meetings import planner, service
from storage.db import Database
from storage.models import (
    Attendance,
    AwayArrangement,
    AwayRecord,
    Meeting,
    MeetingKind,
    Member,
    MemberStatus,
    Organisation,
    OrgKind,
)
from storage.repos import meetings as repo
from tests import factories as f
from tests.conversations.meetings.conftest import (
    People,
    acting_on,
    attendees,
    fire,
    hold,
    outbox_keys,
    set_status,
    texts_to,
    timers,
)
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings
from vocabulary.types import FileRef


async def plan(db: Database, settings: Settings, clock: FakeClock, org: Organisation,
               rule: str = "ngày 3, 19:30") -> planner.Planned:
    async with db.session() as session:
        do = service.Doing(session, settings, clock())
        _plan, planned = await service.plan(do, org, MeetingKind.REGULAR, rule, "Nhà văn hóa")
        return planned


async def meetings(db: Database) -> list[Meeting]:
    async with db.session() as session:
        return list((await session.exec(select(Meeting).order_by(col(Meeting.starts_at)))).all())


async def test_a_plan_sets_the_meetings_due_for_planning_with_two_reminders_each(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    planned = await plan(db, settings, clock, people.org.branch)
    assert planned.meetings == 1  # 30 November: December's; January's comes on 17 December
    found = await meetings(db)
    assert [m.starts_at for m in found] == [datetime(2026, 12, 3, 12, 30, tzinfo=UTC)]
    assert [m.period for m in found] == ["2026-12"]
    due = [(t.key.split(":")[-1], t.due_at) for t in await timers(db)]
    # 07:00 in Hà Nội is 00:00 UTC: the day before, and the morning of the meeting.
    assert due[:2] == [("1", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
                       ("0", datetime(2026, 12, 3, 0, 0, tzinfo=UTC))]
    [month] = await timers(db, "meetings:month:")
    assert month.key == "meetings:month:2027-01"
    assert month.due_at == datetime(2026, 12, 16, 17, 0, tzinfo=UTC)  # 15 days ahead, local


async def test_the_month_timer_plans_the_next_month_and_sets_the_one_after(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await plan(db, settings, clock, people.org.branch, "thứ bảy cuối tháng, 08:00")
    clock.now = datetime(2026, 12, 17, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    clock.now = datetime(2027, 1, 17, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    found = [m.starts_at.astimezone(settings.tz).date() for m in await meetings(db)]
    assert found == [date(2026, 12, 26), date(2027, 1, 30), date(2027, 2, 27)]
    assert [t.key for t in await timers(db, "meetings:month:")] == [
        "meetings:month:2027-01", "meetings:month:2027-02", "meetings:month:2027-03"]


async def test_the_reminder_reaches_the_expected_members_with_time_place_and_answers(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await set_status(db, people.org.wife, MemberStatus.EXEMPTED)
    await plan(db, settings, clock, people.org.branch)
    clock.now = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert await fire(db, settings, clock, chat) == 1
    text = texts_to(chat, people.mai)
    assert "ngày mai có sinh hoạt định kỳ" in text
    assert "19:30" in text
    assert "03/12/2026" in text
    assert "Nhà văn hóa" in text
    assert "Tôi sẽ dự" in text
    assert "Tôi xin vắng" in text
    expected = set(await attendees(db, (await meetings(db))[0].id or 0))
    assert people.org.wife.id not in expected  # exempted: not expected, not reminded
    assert {people.org.mai.id, people.org.secretary.id, people.deputy.id, people.leader.id,
            people.org.husband.id} <= expected


async def test_a_group_meeting_reminds_only_the_group(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await hold(db, settings, clock, people.group,
                         datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    clock.now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    assert set(await attendees(db, meeting.id or 0)) == {people.leader.id, people.org.husband.id}
    assert "ngày mai" in texts_to(chat, people.long)
    assert texts_to(chat, people.mai) == ""


async def test_a_day_many_chi_bo_share_is_spread_over_the_window(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    async with db.session() as session:
        others = [Organisation(code=f"CB-{n}", name=f"Chi bộ {n}", kind=OrgKind.BRANCH,
                               parent_id=people.org.base.id) for n in range(3)]
        session.add_all(others)
    for n, other in enumerate(others):
        for i in range(n + 2):
            await f.member(db, f"X-{n}-{i}", f"Đảng viên {n} {i}", other)
        await plan(db, settings, clock, other)
    await plan(db, settings, clock, people.org.branch)
    clock.now = datetime(2026, 12, 17, tzinfo=UTC)  # January is planned for all at once
    await fire(db, settings, clock, chat)
    day_before = sorted(t.due_at.astimezone(settings.tz) for t in await timers(db)
                        if t.key.endswith(":1") and t.due_at.year == 2027)
    assert len(day_before) == 4
    assert day_before[0].hour == 7
    assert all(d.date() == date(2027, 1, 2) for d in day_before)
    assert all(7 <= d.hour < 21 for d in day_before)
    assert len(set(day_before)) == 4  # each chi bộ in its own part of the window


async def test_reminders_are_not_doubled_by_a_restart_nor_sent_after_the_meeting_began(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await hold(db, settings, clock, people.org.branch,
                         datetime(2026, 12, 3, 12, 30, tzinfo=UTC))
    clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    assert await fire(db, settings, clock, chat) == 0  # a second scan, as after a restart
    keys = await outbox_keys(db, f"meeting-reminder:{meeting.id}:{people.org.mai.id}:")
    assert keys == [f"meeting-reminder:{meeting.id}:{people.org.mai.id}:1"]
    # The bot was down all morning; it comes back after the meeting began.
    clock.now = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    assert await outbox_keys(db, f"meeting-reminder:{meeting.id}:{people.org.mai.id}:0") == []


async def test_a_missed_reminder_goes_late_while_the_meeting_is_ahead(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await hold(db, settings, clock, people.org.branch, datetime(2026, 12, 3, 12, 30, tzinfo=UTC))
    clock.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # down since the day before
    await fire(db, settings, clock, chat)
    assert "hôm nay có sinh hoạt" in texts_to(chat, people.mai)


async def test_a_meeting_planned_late_is_reminded_once_not_twice(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    clock.now = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 on the day
    meeting = await hold(db, settings, clock, people.org.branch,
                         datetime(2026, 12, 3, 12, 30, tzinfo=UTC))
    await fire(db, settings, clock, chat)
    assert len(await outbox_keys(db, f"meeting-reminder:{meeting.id}:{people.org.mai.id}")) == 1


async def test_cancelling_tells_those_reminded_and_stops_the_rest(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await hold(db, settings, clock, people.org.branch,
                         datetime(2026, 12, 3, 12, 30, tzinfo=UTC))
    clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        told = await service.cancel(do, found)
    await chat.flush()
    assert told == 6  # everyone reminded: the wife too, whose account is not linked
    assert "đã được hủy" in texts_to(chat, people.mai)
    clock.now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert await fire(db, settings, clock, chat) == 0


async def test_moving_a_meeting_tells_those_reminded_and_moves_the_reminders(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await hold(db, settings, clock, people.org.branch,
                         datetime(2026, 12, 3, 12, 30, tzinfo=UTC))
    clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        await service.move(do, found, datetime(2026, 12, 5, 12, 30, tzinfo=UTC), "Hội trường xã")
    await chat.flush()
    text = texts_to(chat, people.mai)
    assert "đã đổi thời gian hoặc địa điểm" in text
    assert "Hội trường xã" in text
    assert "05/12/2026" in text
    clock.now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert await fire(db, settings, clock, chat) == 0  # the old morning reminder moved
    clock.now = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    assert await fire(db, settings, clock, chat) == 1


async def test_a_document_added_less_than_a_day_before_goes_out_at_once(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    meeting = await hold(db, settings, clock, people.org.branch,
                         datetime(2026, 12, 3, 12, 30, tzinfo=UTC))
    doc = FileRef("files/nq.pdf", "Nghị quyết.pdf", "application/pdf", 1000)
    # In time: it waits for the reminder.
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        assert await service.add_document(do, found, doc) is False
        assert do.out == []
    clock.now = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    await fire(db, settings, clock, chat)  # the day before: the reminder brings it
    assert "Tài liệu cho buổi sinh hoạt: Nghị quyết.pdf" in texts_to(chat, people.mai)
    clock.now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    # Late: it goes now, to everyone expected.
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        late = FileRef("files/bc.pdf", "Báo cáo.pdf", "application/pdf", 1000)
        assert await service.add_document(do, found, late) is True
        assert {m.to for m in do.out} >= {people.org.mai.id}
        assert {m.attachment.name for m in do.out if m.attachment} == {"Báo cáo.pdf"}
    await fire(db, settings, clock, chat)  # the morning reminder: nothing sent twice
    text = texts_to(chat, people.mai)
    assert text.count("Tài liệu cho buổi sinh hoạt: Báo cáo.pdf") == 1
    assert text.count("Tài liệu cho buổi sinh hoạt: Nghị quyết.pdf") == 1


async def test_the_window_is_checked_against_the_rate(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    slow = settings.model_copy(update={"delivery_rates": {"telegram": 0.0001}})
    async with db.session() as session:
        do = service.Doing(session, slow, clock())
        _plan, planned = await service.plan(do, people.org.branch, MeetingKind.REGULAR,
                                            "ngày 3, 19:30", "")
    assert planned.overloaded
    day, need, can = planned.overloaded[0]
    assert day == date(2026, 12, 2)
    assert need == 6
    assert can == 5


async def test_runner_registers_the_meeting_timers(db: Database, settings: Settings,
                                                   clock: FakeClock) -> None:
    runner = timer_runner(db, settings, clock)
    assert {planner.REMIND, planner.MONTH} <= set(runner.handlers)
    assert timedelta(days=settings.meeting_plan_ahead_days).days == 15


async def test_an_exempted_member_who_asked_for_reminders_gets_them_and_is_not_counted(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await set_status(db, people.org.wife, MemberStatus.EXEMPTED)
    async with db.session() as session:
        wife = await session.get(Member, people.org.wife.id)
        assert wife is not None
        wife.meeting_reminders_opt_in = True
    await plan(db, settings, clock, people.org.branch)
    clock.now = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    meeting = (await meetings(db))[0]
    reminders = await outbox_keys(db, "meeting-reminder:")
    assert f"meeting-reminder:{meeting.id}:{people.org.wife.id}:1" in reminders
    clock.now = meeting.starts_at + timedelta(hours=3)
    async with acting_on(db, settings, clock, meeting.id) as (do, found):
        checklist = await service.checklist(do.session, settings, found)
        marks = dict.fromkeys(checklist, Attendance.PRESENT)
        marks[people.org.wife.id or 0] = Attendance.UNEXCUSED
        await service.save_attendance(do, found, marks)
    async with db.session() as session:
        present, expected = await repo.rate(session, [meeting.id or 0])
        assert people.org.wife.id in await service.expected_ids(session, settings, found)
    assert present == expected  # her absence does not lower the chi bo's rate
    assert expected == len(checklist) - 1


async def test_members_away_on_tam_mien_are_not_reminded_and_a_hosted_member_is(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    async with db.session() as session:
        other = Organisation(code="CB-KHAC", name="Chi bộ khác", kind=OrgKind.BRANCH,
                             parent_id=people.org.base.id)
        session.add(other)
        await session.flush()
    guest = await f.member(db, "G1", "Khách Văn Đến", other)
    async with db.session() as session:
        away = {"place": "TP. Hồ Chí Minh", "reason": "work", "starts_on": date(2026, 11, 1),
                "ends_on": date(2027, 6, 30), "last_contact_at": clock(),
                "created_at": clock()}
        session.add(AwayRecord(member_id=people.org.husband.id or 0,
                               branch_id=people.org.branch.id or 0,
                               arrangement=AwayArrangement.SUSPEND, **away))
        session.add(AwayRecord(member_id=people.org.mai.id or 0,
                               branch_id=people.org.branch.id or 0,
                               arrangement=AwayArrangement.INFORM, **away))
        session.add(AwayRecord(member_id=guest.id or 0, branch_id=other.id or 0,
                               arrangement=AwayArrangement.TRANSFER,
                               host_org_id=people.org.branch.id, **away))
    await plan(db, settings, clock, people.org.branch)
    clock.now = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    await fire(db, settings, clock, chat)
    expected = set(await attendees(db, (await meetings(db))[0].id or 0))
    assert people.org.husband.id not in expected  # tam mien: not expected at home
    assert people.org.mai.id in expected  # only informed the chi bo: still expected
    assert guest.id in expected  # transferred in: reminded by the host chi bo

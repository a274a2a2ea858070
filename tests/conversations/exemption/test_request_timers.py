"""What happens to a request as time passes: reminders and escalation, a period's start and end,
the yearly review, reports to the base committee, and the return to normal activity."""

from __future__ import annotations

from sqlmodel import col, select

from storage.db import Database
from storage.models import MemberStatus, ReliefKind, RequestDecision, RequestStatus, Timer
from tests.conversations.exemption.conftest import (
    People,
    ask_fixed,
    ask_health,
    fire_timers,
    member,
    requests,
)
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

APPROVE = "đã đồng ý"
REMINDER = "Nhắc việc: đơn này đang chờ từ"
ESCALATION = "Báo cáo: đơn dưới đây đã chờ Chi bộ ấp Bình Minh quyết định"
REVIEW = "Rà soát hằng năm: đồng chí Trần Thị Mai được miễn công tác và sinh hoạt đảng"
REPORT = "Báo cáo quyết định giảm, miễn sinh hoạt đảng của chi bộ"


def received(chat: Chat, person: Person, since: int = 0) -> str:
    """Everything sent to `person` from message number `since` on, one text."""
    return "\n".join(m.text for c, m in chat.sender.sent[since:] if c == person.chat_id)


async def approve(chat: Chat, officer: Person) -> None:
    await chat.tap(officer, chat.choice_id(officer, APPROVE))


async def test_officers_are_reminded_then_the_base_committee_told(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)

    clock.advance(days=2, hours=23)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert chat.sender.sent[mark:] == []

    clock.advance(hours=1)  # three days
    await fire_timers(db, settings, clock, chat)
    for officer in (people.sec, people.dep):
        assert REMINDER in received(chat, officer, mark)
        assert "✅ Chi bộ đã đồng ý" in [label for _, label in chat.last_choices(officer)]
    assert received(chat, people.base, mark) == ""
    assert received(chat, people.mai, mark) == ""

    clock.advance(days=4)  # seven days
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    to_base = received(chat, people.base, mark)
    assert ESCALATION in to_base
    assert "Đơn số 1: xin miễn công tác và sinh hoạt đảng – đồng chí Trần Thị Mai" in to_base
    assert REMINDER not in received(chat, people.sec, mark)  # reminded once


async def test_a_request_taken_to_the_next_meeting_escalates_only_after_forty_days(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, chat.choice_id(people.sec, "cuộc họp tới"))
    await chat.say(people.sec, "1")  # done
    mark = len(chat.sender.sent)
    clock.advance(days=settings.deferred_escalation_days - 1)
    await fire_timers(db, settings, clock, chat)
    assert ESCALATION not in received(chat, people.base, mark)
    assert REMINDER not in received(chat, people.sec, mark)
    clock.advance(days=1, minutes=1)
    await fire_timers(db, settings, clock, chat)
    assert ESCALATION in received(chat, people.base, mark)


async def test_a_decided_request_brings_no_reminder(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)

    mark = len(chat.sender.sent)
    clock.advance(days=8)
    await fire_timers(db, settings, clock, chat)
    everything = "\n".join(m.text for _, m in chat.sender.sent[mark:])
    assert REMINDER not in everything
    assert "Báo cáo: đơn" not in everything


async def test_a_fixed_period_starts_and_ends_on_its_dates(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    mai = people.org.mai.id or 0
    await ask_fixed(chat, people.mai, "01/12/2026", "28/02/2027")
    await approve(chat, people.sec)
    await approve(chat, people.base)
    assert (await member(db, mai)).status == MemberStatus.ACTIVE

    clock.advance(days=9, hours=14, minutes=59)  # 30/11 23:59 local
    await fire_timers(db, settings, clock, chat)
    assert (await member(db, mai)).status == MemberStatus.ACTIVE
    clock.advance(minutes=1)  # 01/12 00:00 local
    await fire_timers(db, settings, clock, chat)
    assert (await member(db, mai)).status == MemberStatus.EXEMPTED

    clock.advance(days=89, hours=23)  # 28/02/2027 23:00 local, the last day
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert (await member(db, mai)).status == MemberStatus.EXEMPTED
    clock.advance(hours=1)  # 01/03/2027
    await fire_timers(db, settings, clock, chat)

    assert (await member(db, mai)).status == MemberStatus.ACTIVE
    [request] = await requests(db)
    assert request.status == RequestStatus.ENDED
    assert "Thời hạn miễn công tác và sinh hoạt đảng theo đơn số 1 đã hết" in received(
        chat, people.mai, mark)
    assert ("Đồng chí Trần Thị Mai đã hết thời hạn miễn công tác và sinh hoạt đảng (28/02/2027)"
            in received(chat, people.sec, mark))


async def test_an_open_ended_exemption_is_reviewed_every_year(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)

    clock.advance(days=364)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert REVIEW not in received(chat, people.sec, mark)

    clock.advance(days=1)  # 21/11/2027
    await fire_timers(db, settings, clock, chat)
    assert REVIEW in received(chat, people.sec, mark)
    assert "(đơn số 1)" in received(chat, people.sec, mark)
    assert REVIEW not in received(chat, people.mai, mark)
    async with db.session() as session:
        query = select(Timer).where(col(Timer.kind) == "exemption-review",
                                    col(Timer.fired_at).is_(None))
        [due] = (await session.exec(query)).all()
    assert due.due_at.year == 2028

    clock.advance(days=366)  # 21/11/2028
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert REVIEW in received(chat, people.sec, mark)


async def test_a_branch_decision_is_reported_after_the_undo_window(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)

    clock.advance(minutes=9)
    await fire_timers(db, settings, clock, chat)
    assert REPORT not in received(chat, people.base)

    clock.advance(minutes=1)
    await fire_timers(db, settings, clock, chat)
    to_base = received(chat, people.base)
    assert f"{REPORT} (1):" in to_base
    assert "Đơn số 1: Trần Thị Mai (Chi bộ ấp Bình Minh) xin miễn" in to_base
    assert "chi bộ đồng ý" in to_base
    assert "Nguyễn Văn Hùng" in to_base
    async with db.session() as session:
        [decision] = (await session.exec(select(RequestDecision))).all()
    assert decision.reported_at is not None


async def test_an_undone_decision_is_not_reported(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)
    undone = await chat.tap(people.sec, chat.choice_id(people.sec, "Rút lại"))
    assert "Đã rút lại quyết định vừa ghi về đơn số 1" in undone

    clock.advance(minutes=30)
    await fire_timers(db, settings, clock, chat)
    assert REPORT not in received(chat, people.base)
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING

    # Decided again: only the standing decision is reported, once.
    await approve(chat, people.sec)
    clock.advance(minutes=30)
    await fire_timers(db, settings, clock, chat)
    reports = [m.text for c, m in chat.sender.sent if c == "base" and REPORT in m.text]
    assert len(reports) == 1
    assert f"{REPORT} (1):" in reports[0]


async def test_a_daily_digest_gathers_the_days_decisions(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    daily = settings.model_copy(update={"decision_report": "daily"})
    chat = Chat(db, daily, clock)
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)
    await ask_health(chat, people.long)
    await chat.tap(people.dep, chat.choice_id(people.dep, "không đồng ý"))
    await chat.say(people.dep, "Đồng chí còn khỏe")
    assert [r.status for r in await requests(db)] == [RequestStatus.APPROVED,
                                                     RequestStatus.REJECTED]

    clock.advance(hours=8, minutes=59)  # 17:59 local
    await fire_timers(db, daily, clock, chat)
    assert REPORT not in received(chat, people.base)

    clock.advance(minutes=1)  # 18:00 local, the digest time
    await fire_timers(db, daily, clock, chat)
    reports = [m.text for c, m in chat.sender.sent if c == "base" and REPORT in m.text]
    assert len(reports) == 1
    assert f"{REPORT} (2):" in reports[0]
    assert "Trần Thị Mai" in reports[0]
    assert "Đỗ Văn Long" in reports[0]
    assert "chi bộ không đồng ý" in reports[0]


async def test_a_decision_just_before_the_digest_comes_in_the_next_one(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    daily = settings.model_copy(update={"decision_report": "daily"})
    chat = Chat(db, daily, clock)
    clock.advance(hours=8, minutes=55)  # 17:55 local: the undo window outlasts 18:00
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)

    clock.advance(minutes=5)  # today's digest time: the decision may still be undone
    await fire_timers(db, daily, clock, chat)
    assert REPORT not in received(chat, people.base)

    clock.advance(days=1)  # tomorrow's digest time
    await fire_timers(db, daily, clock, chat)
    assert f"{REPORT} (1):" in received(chat, people.base)
    assert "Trần Thị Mai" in received(chat, people.base)


async def test_a_member_returns_to_normal_activity(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    mai = people.org.mai.id or 0
    await ask_health(chat, people.mai)
    await approve(chat, people.sec)
    assert (await member(db, mai)).status == MemberStatus.EXEMPTED

    await chat.open_menu(people.mai, "Đơn từ của tôi")
    asked = await chat.tap(people.mai, chat.choice_id(people.mai, "Xin trở lại sinh hoạt"))
    assert "Đồng chí xin trở lại sinh hoạt bình thường, thôi:" in asked
    assert "Đã gửi đơn số 2" in await chat.tap(people.mai, chat.choice_id(people.mai, "Gửi"))
    assert "xin trở lại sinh hoạt bình thường – đồng chí Trần Thị Mai" in received(
        chat, people.sec)

    mark = len(chat.sender.sent)
    await approve(chat, people.sec)
    clock.advance(minutes=10)
    await fire_timers(db, settings, clock, chat)

    assert "Từ hôm nay đồng chí sinh hoạt bình thường" in received(chat, people.mai, mark)
    assert (await member(db, mai)).status == MemberStatus.ACTIVE
    relief, back = await requests(db)
    assert (relief.status, back.status) == (RequestStatus.ENDED, RequestStatus.APPROVED)
    assert (back.kind, back.related_id) == (ReliefKind.RETURN, relief.id)
    await chat.say(people.mai, "/menu")
    assert "Xin trở lại sinh hoạt bình thường" not in [
        label for _, label in chat.last_choices(people.mai)]

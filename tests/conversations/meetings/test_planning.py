"""Planning in chat: the secretary or deputy for the chi bộ, the tổ trưởng for his/her tổ;
wrong rules, past dates and clashes get clear answers."""

from __future__ import annotations

from sqlmodel import col, select

from storage.db import Database
from storage.models import Meeting, MeetingPlan
from tests.conversations.meetings.conftest import People
from tests.support import Chat

LIST = "Lịch sinh hoạt và điểm danh"


async def start_plan(chat: Chat, who: object, org: str | None = "Chi bộ ấp Bình Minh") -> str:
    await chat.open_menu(who, "Việc của cấp ủy")  # type: ignore[arg-type]
    await chat.tap(who, chat.choice_id(who, LIST))  # type: ignore[arg-type]
    reply = await chat.tap(who, chat.choice_id(who, "Lập lịch"))  # type: ignore[arg-type]
    if org is not None:
        reply = await chat.tap(who, chat.choice_id(who, org))  # type: ignore[arg-type]
    return reply


async def plans(db: Database) -> list[MeetingPlan]:
    async with db.session() as session:
        return list((await session.exec(select(MeetingPlan).order_by(col(MeetingPlan.id)))).all())


async def test_the_secretary_plans_the_monthly_meeting_in_a_few_words(
    chat: Chat, db: Database, people: People
) -> None:
    assert "Loại buổi sinh hoạt?" in await start_plan(chat, people.sec)
    await chat.tap(people.sec, chat.choice_id(people.sec, "định kỳ hằng tháng"))
    wrong = await chat.say(people.sec, "ngày 3 lúc 19:30")
    assert "Chưa đọc được lịch" in wrong
    assert "Giờ chưa đúng" in await chat.say(people.sec, "ngày 3, 25:30")
    assert "Địa điểm họp?" in await chat.say(people.sec, "ngày 3, 19:30")
    done = await chat.say(people.sec, "Nhà văn hóa ấp")
    assert "Đã lập lịch «ngày 3, 19:30» cho Chi bộ ấp Bình Minh; 1 buổi" in done
    [plan] = await plans(db)
    assert (plan.rule, plan.place, plan.kind) == ("ngày 3, 19:30", "Nhà văn hóa ấp", "regular")


async def test_a_second_monthly_plan_is_refused(chat: Chat, db: Database, people: People) -> None:
    await start_plan(chat, people.sec)
    await chat.tap(people.sec, chat.choice_id(people.sec, "định kỳ hằng tháng"))
    await chat.say(people.sec, "ngày 3, 19:30")
    await chat.say(people.sec, "Nhà văn hóa ấp")
    await start_plan(chat, people.dep)
    await chat.tap(people.dep, chat.choice_id(people.dep, "định kỳ hằng tháng"))
    await chat.say(people.dep, "thứ bảy cuối tháng, 8h")
    refused = await chat.say(people.dep, "Hội trường")
    assert "Chi bộ đã có lịch sinh hoạt định kỳ" in refused
    assert len(await plans(db)) == 1


async def test_a_one_off_meeting_in_the_past_or_on_another_is_refused(
    chat: Chat, db: Database, people: People
) -> None:
    await start_plan(chat, people.sec)
    await chat.tap(people.sec, chat.choice_id(people.sec, "bất thường"))
    assert "đã qua" in await chat.say(people.sec, "20/11/2026 19:30")
    assert "Chưa đọc được ngày giờ" in await chat.say(people.sec, "hôm nào đó")
    await chat.say(people.sec, "20/12/2026 19:30")
    held = await chat.say(people.sec, "Hội trường xã")
    assert "Đã lập buổi sinh hoạt bất thường của Chi bộ ấp Bình Minh lúc 19:30 ngày 20/12/2026" \
        in held
    await start_plan(chat, people.dep)
    await chat.tap(people.dep, chat.choice_id(people.dep, "bất thường"))
    await chat.say(people.dep, "20/12 20:00")
    assert "Trùng với một buổi sinh hoạt khác" in await chat.say(people.dep, "Nhà bác Ba")
    async with db.session() as session:
        assert len((await session.exec(select(Meeting))).all()) == 1


async def test_the_group_leader_plans_for_his_group_only_and_a_member_not_at_all(
    chat: Chat, db: Database, people: People
) -> None:
    assert "Loại buổi sinh hoạt?" in await start_plan(chat, people.lead, org=None)
    await chat.tap(people.lead, chat.choice_id(people.lead, "định kỳ hằng tháng"))
    await chat.say(people.lead, "thứ năm tuần 2, 19:00")
    assert "cho Tổ đảng số 1" in await chat.say(people.lead, "Nhà tổ trưởng")
    [plan] = await plans(db)
    assert plan.org_id == people.group.id
    assert "Chỉ bí thư, phó bí thư" in await chat.tap(people.mai, "m:meetings")


async def test_a_plan_falling_on_a_planned_meeting_is_refused_and_not_kept(
    chat: Chat, db: Database, people: People
) -> None:
    await start_plan(chat, people.sec)
    await chat.tap(people.sec, chat.choice_id(people.sec, "bất thường"))
    await chat.say(people.sec, "05/01/2027 19:00")
    await chat.say(people.sec, "Hội trường xã")
    await start_plan(chat, people.sec)
    await chat.tap(people.sec, chat.choice_id(people.sec, "chuyên đề"))
    await chat.say(people.sec, "đầu quý, ngày 5, 19:30")
    assert "Trùng với một buổi sinh hoạt khác" in await chat.say(people.sec, "Hội trường xã")
    assert await plans(db) == []

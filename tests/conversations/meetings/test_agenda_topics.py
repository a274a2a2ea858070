"""A regular meeting's reminder and the secretary's view list the chi bộ's topics of its
month after the agenda the secretary set, as the topics were planned or sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from conversations.meetings import service
from conversations.topics import rounds
from storage.db import Database
from storage.models import MeetingKind, TopicItem, TopicRound
from storage.repos import outbox
from tests.conversations.meetings.conftest import People, fire
from tests.conversations.meetings.test_answers import open_meeting
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

MEETING_AT = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)  # 19:30 in Hà Nội
DAY_BEFORE = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


async def meeting(db: Database, settings: Settings, clock: FakeClock, people: People,
                  kind: MeetingKind = MeetingKind.REGULAR) -> None:
    async with db.session() as session:
        do = service.Doing(session, settings, clock())
        await service.hold(do, people.org.branch, kind, MEETING_AT, "Nhà văn hóa ấp",
                           agenda="Kiểm điểm công tác tháng 11")
        await outbox.enqueue(session, do.out, do.now)


async def december_topics(db: Database, settings: Settings, clock: FakeClock, people: People
                          ) -> list[TopicItem]:
    """December's topics sent to every chi bộ; the items of ours, in order."""
    async with db.session() as session:
        await rounds.send_month(session, settings, "2026-12", clock())
    async with db.session() as session:
        ours = (await session.exec(select(TopicRound).where(
            TopicRound.month == "2026-12", TopicRound.branch_id == people.org.branch.id))).one()
        items = [await session.get(TopicItem, p["item"]) for p in ours.items]
    assert items
    return [i for i in items if i is not None]


def reminder_to(chat: Chat, person: Person) -> str:
    [text] = [m.text for c, m in chat.sender.sent
              if c == person.chat_id and "Nhắc đồng chí" in m.text]
    return text


async def test_the_reminder_lists_the_months_topics_after_the_agenda(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    items = await december_topics(db, settings, clock, people)
    await meeting(db, settings, clock, people)
    clock.now = DAY_BEFORE
    await fire(db, settings, clock, chat)
    text = reminder_to(chat, people.mai)
    agenda = text.index("Nội dung: Kiểm điểm công tác tháng 11")
    head = text.index("Chủ đề học tập tháng 12/2026 của chi bộ:")
    assert agenda < head
    for item in items:  # code and the official text, as the topics were sent
        assert f"{item.code}. {item.text_vi}" in text[head:]


async def test_the_secretarys_meeting_view_lists_them_too(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    items = await december_topics(db, settings, clock, people)
    await meeting(db, settings, clock, people)
    view = await open_meeting(chat, people)
    assert "Chủ đề học tập tháng 12/2026 của chi bộ:" in view
    assert all(f"{item.code}. " in view for item in items)


async def test_without_topics_for_the_month_nothing_is_added(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await meeting(db, settings, clock, people)
    clock.now = DAY_BEFORE
    await fire(db, settings, clock, chat)
    text = reminder_to(chat, people.mai)
    assert "Nội dung: Kiểm điểm công tác tháng 11" in text
    assert "Chủ đề học tập" not in text


async def test_a_thematic_meeting_does_not_carry_the_monthly_topics(
    db: Database, settings: Settings, clock: FakeClock, people: People, chat: Chat
) -> None:
    await december_topics(db, settings, clock, people)
    await meeting(db, settings, clock, people, MeetingKind.THEMATIC)
    clock.now = DAY_BEFORE
    await fire(db, settings, clock, chat)
    assert "Chủ đề học tập" not in reminder_to(chat, people.mai)

"""A chi bộ with a secretary, a deputy, a tổ đảng and members, all linked; meetings helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.timer_kinds import timer_runner
from conversations.meetings import service
from storage.db import Database
from storage.models import (
    Meeting,
    MeetingAttendee,
    MeetingKind,
    Member,
    MemberStatus,
    OfficerRole,
    Organisation,
    OrgKind,
    OutboxMessage,
    Timer,
)
from storage.repos import outbox
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

# Monday 30 November 2026, 09:00 in Hà Nội (02:00 UTC).
START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@dataclass
class People:
    org: Branch
    group: Organisation
    deputy: Member
    leader: Member  # tổ trưởng of the group
    sec: Person
    dep: Person
    mai: Person
    long: Person
    lead: Person


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def people(db: Database, org: Branch) -> People:
    group = await f.org(db, "TO-1", OrgKind.GROUP, org.branch, name="Tổ đảng số 1")
    deputy = await f.member(db, "S-002", "Lê Văn Phúc", org.branch, "+84912000111")
    await f.role(db, deputy, org.branch, OfficerRole.DEPUTY_SECRETARY)
    leader = await f.member(db, "M-010", "Vũ Thị Lan", org.branch, "+84912000131",
                            group_id=group.id)
    await f.role(db, leader, group, OfficerRole.GROUP_LEADER)
    async with db.session() as session:  # Long belongs to the group too
        husband = await session.get(Member, org.husband.id)
        assert husband is not None
        husband.group_id = group.id
        session.add(husband)
    for member, chat_id in ((org.secretary, "sec"), (deputy, "dep"), (org.mai, "mai"),
                            (org.husband, "long"), (leader, "lead")):
        await f.link(db, member, chat_id)
    return People(org, group, deputy, leader, Person("sec"), Person("dep"), Person("mai"),
                  Person("long"), Person("lead"))


async def hold(db: Database, settings: Settings, clock: FakeClock, org: Organisation,
               starts_at: datetime, kind: MeetingKind = MeetingKind.REGULAR,
               place: str = "Nhà văn hóa ấp") -> Meeting:
    """A one-off meeting, as the CLI or the chat would make it."""
    async with db.session() as session:
        do = service.Doing(session, settings, clock())
        meeting = await service.hold(do, org, kind, starts_at, place)
        await outbox.enqueue(session, do.out, do.now)
        return meeting


@asynccontextmanager
async def acting_on(db: Database, settings: Settings, clock: FakeClock, meeting_id: int | None
                    ) -> AsyncIterator[tuple[service.Doing, Meeting]]:
    """An officer's action on a meeting in one transaction; what it says is queued after."""
    async with db.session() as session:
        found = await session.get(Meeting, meeting_id)
        assert found is not None
        do = service.Doing(session, settings, clock())
        yield do, found
        await outbox.enqueue(session, do.out, do.now)


async def fire(db: Database, settings: Settings, clock: FakeClock, chat: Chat) -> int:
    """The periodic timer scan, then delivery."""
    fired = await timer_runner(db, settings, clock).fire_due()
    await chat.flush()
    return fired


async def timers(db: Database, prefix: str = "meeting:") -> list[Timer]:
    async with db.session() as session:
        query = select(Timer).where(col(Timer.key).startswith(prefix)).order_by(
            col(Timer.due_at), col(Timer.key))
        return list((await session.exec(query)).all())


async def attendees(db: Database, meeting_id: int) -> dict[int, MeetingAttendee]:
    async with db.session() as session:
        query = select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)
        return {a.member_id: a for a in (await session.exec(query)).all()}


async def outbox_keys(db: Database, prefix: str) -> list[str]:
    async with db.session() as session:
        query = select(OutboxMessage.dedupe_key).where(
            col(OutboxMessage.dedupe_key).startswith(prefix)).order_by(col(OutboxMessage.id))
        return [k for k in (await session.exec(query)).all() if k]


def texts_to(chat: Chat, person: Person) -> str:
    """Everything sent to the person: texts, buttons, and typed codes."""
    return "\n".join("\n".join([m.text, *(line for _id, line in m.named),
                                *(label for _id, label in m.choices)])
                     for c, m in chat.sender.sent if c == person.chat_id)


async def set_status(db: Database, member: Member, status: MemberStatus) -> None:
    async with db.session() as session:
        found = await session.get(Member, member.id)
        assert found is not None
        found.status = status
        session.add(found)

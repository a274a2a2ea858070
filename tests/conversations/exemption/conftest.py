"""A branch with a secretary, a deputy and members, all linked, under a base committee."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import col, select

from bot.timer_kinds import timer_runner
from conversations.registry import Registry
from storage.db import Database
from storage.models import Member, OfficerRole, Request
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings


@dataclass
class People:
    org: Branch
    deputy_member: Member
    base_member: Member
    mai: Person
    sec: Person
    dep: Person
    long: Person  # a plain member
    base: Person  # a member of the base committee


@pytest.fixture
async def people(db: Database, org: Branch) -> People:
    deputy = await f.member(db, "S-002", "Lê Văn Phúc", org.branch, "+84912000111")
    await f.role(db, deputy, org.branch, OfficerRole.DEPUTY_SECRETARY)
    base = await f.member(db, "B-001", "Phạm Văn Bình", org.branch, "+84912000121")
    await f.role(db, base, org.base, OfficerRole.BASE_COMMITTEE_MEMBER)
    for member, chat_id in ((org.mai, "mai"), (org.secretary, "sec"), (deputy, "dep"),
                            (org.husband, "long"), (base, "base")):
        await f.link(db, member, chat_id)
    return People(org, deputy, base, Person("mai"), Person("sec"), Person("dep"),
                  Person("long"), Person("base"))


async def ask_health(chat: Chat, person: Person, kind: str = "2") -> str:
    """Ask for exemption (2) or reduction (1) for health, certificate at the meeting."""
    await chat.open_menu(person, "Đơn từ của tôi")
    await chat.tap(person, chat.choice_id(person, "Xin giảm, miễn"))
    await chat.say(person, kind)
    await chat.say(person, "1")  # advanced age or poor health
    await chat.say(person, "1")  # the certificate comes to the meeting
    return await chat.say(person, "1")  # send


async def ask_fixed(chat: Chat, person: Person, start: str, end: str, reason: str = "6") -> str:
    """Ask for exemption for a fixed period (reason 6: maternity leave)."""
    await chat.open_menu(person, "Đơn từ của tôi")
    await chat.tap(person, chat.choice_id(person, "Xin giảm, miễn"))
    await chat.say(person, "2")
    await chat.say(person, reason)
    await chat.say(person, start)
    await chat.say(person, end)
    return await chat.say(person, "1")


async def requests(db: Database) -> list[Request]:
    async with db.session() as session:
        found = await session.exec(select(Request).order_by(col(Request.id)))
        return list(found.all())


async def member(db: Database, member_id: int) -> Member:
    async with db.session() as session:
        found = await session.get(Member, member_id)
        assert found is not None
        return found


async def fire_timers(db: Database, settings: Settings, clock: FakeClock, chat: Chat,
                      registry: Registry | None = None) -> int:
    """Run the periodic timer scan once, then deliver what it queued."""
    fired = await timer_runner(db, settings, clock, registry).fire_due()
    await chat.flush()
    return fired


async def settle(chat: Chat, clock: FakeClock, registry: Registry | None = None) -> None:
    """Let the undo window pass, so that the member hears of the decisions taken."""
    clock.advance(minutes=chat.settings.decision_undo_minutes)
    await fire_timers(chat.db, chat.settings, clock, chat, registry)

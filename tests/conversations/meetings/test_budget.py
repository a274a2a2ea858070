"""The planner warns when a month's reminders to members reachable only through a Zalo bot
exceed what is left of that bot's monthly budget."""

from __future__ import annotations

from datetime import date

from pydantic import SecretStr
from sqlmodel import select

from conversations.meetings import budget, planner
from storage.db import Database
from storage.models import BotUsage, ChatAccount, Member
from tests.conversations.meetings.conftest import START, People
from tests.conversations.meetings.test_reminders import plan
from tests.support import FakeClock
from vocabulary.settings import Settings, ZaloBot

BOT = ZaloBot(token=SecretStr("4101:secret"), name="Bot ấp Bình Minh", link="https://zalo.me/x")


async def _on_zalo(db: Database, member: Member) -> None:
    async with db.session() as session:
        session.add(ChatAccount(channel="zalo", user_id=f"z{member.id}", chat_id=f"z{member.id}",
                                bot="4101", member_id=member.id or 0, linked_at=START,
                                last_seen_at=START))


async def test_reminders_beyond_a_zalo_bots_month_are_reported(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    # 100 messages a month, 90 for bulk; 86 already sent in December leaves 4.
    zalo = settings.model_copy(update={"zalo_bots": [BOT], "zalo_monthly_quota": 100})
    for member in (people.org.mai, people.org.wife, people.org.husband):
        await _on_zalo(db, member)  # Long also has a terminal chat: he is not counted
    async with db.session() as session:
        session.add(BotUsage(channel="zalo", bot="4101", month="2026-12", sent=86))
        mai_chat = (await session.exec(select(ChatAccount).where(
            ChatAccount.member_id == people.org.mai.id, ChatAccount.channel == "terminal"))).one()
        mai_chat.unreachable_at = START  # she blocked it: Zalo is all that is left
        session.add(mai_chat)
    planned = await plan(db, zalo, clock, people.org.branch)  # one meeting in December
    assert planned.zalo_short == []  # Mai and Hạnh, two reminders each: 4 fit in 4
    async with db.session() as session:
        usage = await session.get(BotUsage, ("zalo", "4101", "2026-12"))
        assert usage is not None
        usage.sent = 87
        session.add(usage)
    assert await _month(db, zalo, clock) == [
        budget.Shortfall("Bot ấp Bình Minh", "2026-12", 4, 3)]
    assert await _month(db, settings, clock) == []  # no Zalo bot configured


async def _month(db: Database, settings: Settings, clock: FakeClock) -> list[budget.Shortfall]:
    """The monthly planning run for December, as its timer does it."""
    async with db.session() as session:
        planned = await planner.plan_month(session, settings, date(2026, 12, 1), clock())
        return planned.zalo_short

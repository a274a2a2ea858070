"""A channel may run several bots: a member is answered and reached through the bot he/she uses."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.app import build_core
from bot.i18n import Msg
from bot.inbox import Inbox
from bot.settings import Settings
from conversations.types import Contact, Inbound, InboundKind, Outbound
from storage.db import Database
from storage.models import ChatAccount
from storage.repos import outbox
from tests.conversations.conftest import Branch
from tests.support import CHAT, Chat, FakeClock, Person, RecordingSender


async def test_a_member_linked_through_a_bot_is_answered_and_reached_through_it(
    chat: Chat, db: Database, clock: FakeClock, org: Branch,
) -> None:
    mai = Person("zl-mai")
    replies = await chat.send(mai, text="xin chào", bot="bot-2")
    replies += await chat.send(mai, text="dong y", bot="bot-2")
    replies += await chat.send(mai, kind=InboundKind.CONTACT, bot="bot-2",
                               contact=Contact("0912 000 102", mai.user_id))
    assert "Trần Thị Mai" in replies[-1].text
    assert {r.bot for r in replies} == {"bot-2"}

    async with db.session() as session:
        account = (await session.exec(select(ChatAccount))).one()
        await outbox.enqueue(session, [Outbound(org.mai.id or 0, [Msg("cancel.done")])], clock())
    notice = await chat.flush(mai)

    assert account.bot == "bot-2"
    assert [m.bot for m in notice] == ["bot-2"]


class Source:
    """Updates are {"chat": ..., "text": ...} on the terminal channel."""

    channel = "terminal"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    async def to_inbound(self, payload: dict[str, Any]) -> Inbound | None:
        return Inbound("terminal", payload["chat"], payload["chat"], InboundKind.TEXT,
                       self.clock(), text=payload["text"])

    def needs_follow_up(self, payload: dict[str, Any]) -> bool:
        return False

    async def after_handled(self, payload: dict[str, Any]) -> bool:
        return True


async def test_one_message_id_on_two_bots_is_two_updates_each_answered_by_its_bot(
    db: Database, settings: Settings, clock: FakeClock,
) -> None:
    sender = RecordingSender(CHAT)
    core, delivery = build_core(db, settings, {"terminal": sender}, clock)
    inbox = Inbox(db, core, clock)
    inbox.add_source(Source(clock))

    assert await inbox.record("terminal", "m1", "c1", {"chat": "c1", "text": "hi"}, bot="bot-1")
    assert await inbox.record("terminal", "m1", "c2", {"chat": "c2", "text": "hi"}, bot="bot-2")
    assert not await inbox.record("terminal", "m1", "c1", {"chat": "c1", "text": "hi"},
                                  bot="bot-1")
    assert await inbox.process_pending() == 2
    await delivery.drain()

    assert sorted((chat, m.bot) for chat, m in sender.sent) == [("c1", "bot-1"), ("c2", "bot-2")]

"""The inbox: recorded before acknowledged, handled once, each chat in order."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.app import build_core
from bot.inbox import Inbox
from bot.settings import Settings
from conversations.engine import Engine
from conversations.types import Inbound, InboundKind
from storage.db import Database
from storage.models import Conversation, InboxUpdate
from tests.support import CHAT, FakeClock, RecordingSender


class Source:
    """Updates are {"chat": ..., "text": ...}; remembers what it was told was handled."""

    channel = "terminal"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.after: list[str] = []

    async def to_inbound(self, payload: dict[str, Any]) -> Inbound | None:
        if payload.get("ignore"):
            return None
        return Inbound("terminal", payload["chat"], payload["chat"], InboundKind.TEXT, self.clock(),
                       text=payload["text"])

    def needs_follow_up(self, payload: dict[str, Any]) -> bool:
        return True

    async def after_handled(self, payload: dict[str, Any]) -> bool:
        self.after.append(payload["text"])
        return True


def make(db: Database, settings: Settings, clock: FakeClock) -> tuple[Inbox, RecordingSender,
                                                                        Source]:
    sender = RecordingSender(CHAT)
    core, delivery = build_core(db, settings, {"terminal": sender}, clock)
    inbox = Inbox(db, core, clock)
    source = Source(clock)
    inbox.add_source(source)
    inbox.delivery = delivery  # type: ignore[attr-defined]
    return inbox, sender, source


async def test_an_update_sent_twice_is_recorded_and_handled_once(db: Database, settings: Settings,
                                                                 clock: FakeClock):
    inbox, sender, _ = make(db, settings, clock)
    assert await inbox.record("terminal", "1", "c1", {"chat": "c1", "text": "xin chào"})
    assert not await inbox.record("terminal", "1", "c1", {"chat": "c1", "text": "xin chào"})
    assert await inbox.process_pending() == 1
    assert await inbox.process_pending() == 0
    await inbox.delivery.drain()  # type: ignore[attr-defined]
    assert len(sender.sent) == 1
    assert "91/2025/QH15" in sender.sent[0][1].text


async def test_a_crash_after_recording_loses_nothing_and_doubles_nothing(
    db: Database, settings: Settings, clock: FakeClock
):
    first, _, _ = make(db, settings, clock)
    await first.record("terminal", "7", "c1", {"chat": "c1", "text": "xin chào"})
    await db.dispose()  # the process dies before handling anything

    reborn = Database(settings.effective_database_url)
    try:
        second, sender, _ = make(reborn, settings, clock)
        assert await second.process_pending() == 1
        assert await second.process_pending() == 0
        await second.delivery.drain()  # type: ignore[attr-defined]
        async with reborn.session() as session:
            state = await session.get(Conversation, ("terminal", "c1"))
            rows = (await session.exec(select(InboxUpdate))).all()
    finally:
        await reborn.dispose()
    assert len(sender.sent) == 1
    assert state is not None
    assert state.flow == "registration"
    assert [r.processed_at is not None for r in rows] == [True]


async def test_two_workers_handle_an_update_once(db: Database, settings: Settings,
                                                 clock: FakeClock):
    import asyncio

    one, sender_one, _ = make(db, settings, clock)
    two, sender_two, _ = make(db, settings, clock)
    await one.record("terminal", "1", "c1", {"chat": "c1", "text": "xin chào"})
    counts = await asyncio.gather(one.process_pending(), two.process_pending())
    await one.delivery.drain()  # type: ignore[attr-defined]
    assert sum(counts) == 1
    assert len(sender_one.sent) + len(sender_two.sent) == 1


async def test_each_chat_is_handled_in_order(db: Database, settings: Settings, clock: FakeClock):
    inbox, _, source = make(db, settings, clock)
    for number, (chat, text) in enumerate([("a", "a1"), ("b", "b1"), ("a", "a2"), ("a", "a3"),
                                           ("b", "b2")]):
        await inbox.record("terminal", str(number), chat, {"chat": chat, "text": text})
    assert await inbox.process_pending() == 5
    assert [t for t in source.after if t.startswith("a")] == ["a1", "a2", "a3"]
    assert [t for t in source.after if t.startswith("b")] == ["b1", "b2"]


async def test_a_crashing_handler_apologises_once_not_in_a_loop(
    db: Database, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    inbox, sender, _ = make(db, settings, clock)

    async def broken(self: Engine, ctx: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(Engine, "dispatch", broken)
    await inbox.record("terminal", "1", "c1", {"chat": "c1", "text": "xin chào"})
    assert await inbox.process_pending() == 1
    assert await inbox.process_pending() == 0
    await inbox.delivery.drain()  # type: ignore[attr-defined]
    assert [m.text for _, m in sender.sent] == [
        "Xin lỗi, Chibot gặp sự cố khi xử lý tin nhắn này. Xin đồng chí thử lại sau ít phút."]


async def test_updates_not_for_us_are_marked_without_a_reply(db: Database, settings: Settings,
                                                             clock: FakeClock):
    inbox, sender, _ = make(db, settings, clock)
    await inbox.record("terminal", "1", "c1", {"chat": "c1", "text": "x", "ignore": True})
    assert await inbox.process_pending() == 1
    assert await inbox.process_pending() == 0
    assert sender.sent == []


async def test_an_update_that_keeps_failing_is_set_aside_after_a_few_tries(
    db: Database, settings: Settings, clock: FakeClock
):
    inbox, sender, source = make(db, settings, clock)

    async def broken(payload: dict[str, Any]) -> Inbound | None:
        if payload["text"] == "bad":
            raise ValueError("cannot read this update")
        return await Source.to_inbound(source, payload)

    source.to_inbound = broken  # type: ignore[method-assign]
    await inbox.record("terminal", "1", "c1", {"chat": "c1", "text": "bad"})
    await inbox.record("terminal", "2", "c1", {"chat": "c1", "text": "xin chào"})
    for _ in range(inbox.max_attempts):
        await inbox.process_pending()
    await inbox.delivery.drain()  # type: ignore[attr-defined]
    texts = [m.text for _, m in sender.sent]
    assert texts[0].startswith("Xin lỗi")  # the bad one: an apology, once
    assert "91/2025/QH15" in texts[1]  # the chat's next update was handled after it
    assert len(texts) == 2

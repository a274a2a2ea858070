"""The inbox: recorded before acknowledged, handled once, each chat in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select

from bot.app import build_core
from bot.inbox import Inbox
from conversations.engine import Engine
from storage.db import Database
from storage.models import Conversation, InboxUpdate
from tests.support import CHAT, FakeClock, RecordingSender
from vocabulary.settings import Settings
from vocabulary.types import Inbound, InboundKind


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


async def test_updates_posted_at_once_are_each_recorded_once(db: Database, settings: Settings,
                                                            clock: FakeClock):
    """Webhook posts arrive dozens at once (and Telegram may post one again meanwhile): each
    caller is told whether its own update was new, and each is recorded once."""
    inbox, _, _ = make(db, settings, clock)
    posts = [(str(n % 30), f"c{n % 30}") for n in range(45)]  # 15 posted twice
    new = await asyncio.gather(*(inbox.record("terminal", update, chat,
                                              {"chat": chat, "text": "xin chào"})
                                 for update, chat in posts))
    assert new == [True] * 30 + [False] * 15
    async with db.session() as session:
        recorded = (await session.exec(select(InboxUpdate))).all()
    assert sorted(int(r.update_id) for r in recorded) == list(range(30))
    assert await inbox.process_pending() == 30


async def test_a_crash_after_recording_loses_nothing_and_doubles_nothing(
    db: Database, settings: Settings, clock: FakeClock
):
    first, _, _ = make(db, settings, clock)
    await first.record("terminal", "7", "c1", {"chat": "c1", "text": "xin chào"})
    await db.dispose()  # the process dies before handling anything

    reborn = Database(settings.effective_database_url)
    try:
        second, sender, _ = make(reborn, settings, clock)
        clock.advance(seconds=settings.inbox_peer_grace_seconds)  # the new process waits
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


@pytest.mark.parametrize("grace", [None, 0.0])
@pytest.mark.parametrize("limit", [1, 200])
async def test_two_workers_on_one_inbox_handle_each_update_once_and_each_chat_in_order(
    db: Database, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
    limit: int, grace: float | None
):
    """Two processes' worth: each with its own connections to the same database. With no
    grace, both take up every chat (as after the grace): the claim alone keeps each once."""
    import asyncio

    if grace is not None:
        settings = settings.model_copy(update={"inbox_peer_grace_seconds": grace})

    handled: list[str] = []

    async def dispatch(self: Engine, ctx: Any) -> None:
        handled.append(ctx.inbound.text)  # the work: done twice would show here twice
        await asyncio.sleep(0)  # let the other worker run in the middle of the work

    monkeypatch.setattr(Engine, "dispatch", dispatch)
    chats = {chat: [f"{chat}{n}" for n in range(6)] for chat in ("a", "b", "c")}
    second_db = Database(settings.effective_database_url)
    try:
        one, _, _ = make(db, settings, clock)
        two, _, _ = make(second_db, settings, clock)
        number = 0
        for n in range(6):  # posted to either worker, as a load balancer spreads them
            for chat, texts in chats.items():
                number += 1
                await (one, two)[number % 2].record("terminal", str(number), chat,
                                                    {"chat": chat, "text": texts[n]})
        counts = [1]
        while any(counts):
            counts = await asyncio.gather(one.process_pending(limit), two.process_pending(limit))
        async with db.session() as session:
            rows = (await session.exec(select(InboxUpdate))).all()
    finally:
        await second_db.dispose()
    assert sorted(handled) == sorted(t for texts in chats.values() for t in texts)
    for chat, texts in chats.items():
        assert [t for t in handled if t.startswith(chat)] == texts
    assert all(row.processed_at is not None for row in rows)


async def test_an_update_another_worker_recorded_is_left_to_it_until_the_grace_is_over(
    db: Database, settings: Settings, clock: FakeClock
):
    """Two workers taking up the same fresh updates would both parse them and race to claim
    them; the one that recorded an update has it, unless it has not handled it in time."""
    second_db = Database(settings.effective_database_url)
    try:
        one, _, one_source = make(db, settings, clock)
        two, _, two_source = make(second_db, settings, clock)
        await one.record("terminal", "1", "c1", {"chat": "c1", "text": "xin chào"})
        await two.record("terminal", "2", "c2", {"chat": "c2", "text": "xin chào"})
        assert await one.process_pending() == 1  # its own only
        await one.record("terminal", "3", "c3", {"chat": "c3", "text": "xin chào"})
        clock.advance(seconds=settings.inbox_peer_grace_seconds - 1)
        assert await two.process_pending() == 1  # its own: c1 is done, c3 is one's
        clock.advance(seconds=1)  # one has not handled c3 in time: it may have died
        assert await two.process_pending() == 1
        assert await one.process_pending() == 0
        async with db.session() as session:
            rows = (await session.exec(select(InboxUpdate))).all()
    finally:
        await second_db.dispose()
    assert (len(one_source.after), len(two_source.after)) == (1, 2)  # each followed up once
    assert all(row.processed_at is not None for row in rows)


async def test_an_unreadable_update_is_set_aside_at_once_and_the_chat_goes_on(
    db: Database, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
):
    from vocabulary.inbox import Unreadable

    inbox, sender, source = make(db, settings, clock)

    async def unreadable(payload: dict[str, Any]) -> Inbound | None:
        if payload["text"].startswith("0912"):
            raise Unreadable from ValueError(payload["text"])
        return await Source.to_inbound(source, payload)

    source.to_inbound = unreadable  # type: ignore[method-assign]
    await inbox.record("terminal", "1", "c1", {"chat": "c1", "text": "0912000102"})
    await inbox.record("terminal", "2", "c1", {"chat": "c1", "text": "xin chào"})
    assert await inbox.process_pending() == 2  # no retries: reading it again cannot help
    await inbox.delivery.drain()  # type: ignore[attr-defined]
    texts = [m.text for _, m in sender.sent]
    assert texts[0].startswith("Xin lỗi")
    assert "91/2025/QH15" in texts[1]
    assert "set aside: unreadable" in caplog.text
    assert "0912000102" not in caplog.text


async def test_a_follow_up_left_by_a_dead_process_is_done_at_the_next_start(
    db: Database, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    class Killed(BaseException):
        """The process dies between the update's commit and its follow-up."""

    first, _, first_source = make(db, settings, clock)

    async def die(payload: dict[str, Any]) -> bool:
        raise Killed

    first_source.after_handled = die  # type: ignore[method-assign]
    await first.record("terminal", "1", "c1", {"chat": "c1", "text": "xin chào"})
    with pytest.raises(Killed):
        await first.process_pending()

    reborn, _, source = make(db, settings, clock)
    assert await reborn.process_pending() == 0  # handled once, not again
    assert await reborn.follow_up_left() == 1
    assert await reborn.follow_up_left() == 0
    assert source.after == ["xin chào"]

"""Delivery renders at send time in the reader's language and finds the member's account."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import func, select

from bot.app import build_core
from bot.delivery import Claimed, Delivery, Settler
from storage.db import Database
from storage.models import ChatAccount, Member, OrgKind, OutboxMessage, OutboxStatus
from storage.repos import outbox
from tests import factories as f
from tests.support import FakeClock, RecordingSender
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import ChannelInfo, ChatRef, Inbound, InboundKind, Outbound


async def test_a_member_is_reached_on_the_account_used_last_in_his_language(
    db: Database, settings: Settings, clock: FakeClock
):
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch, language="vi")
    tg = RecordingSender(ChannelInfo("telegram", True, True))
    zalo = RecordingSender(ChannelInfo("zalo", False, True))
    _core, delivery = build_core(db, settings, {"telegram": tg, "zalo": zalo}, clock)
    async with db.session() as session:
        for channel, seen in (("telegram", 1), ("zalo", 2)):
            session.add(ChatAccount(channel=channel, user_id=f"{channel}-u", chat_id=f"{channel}-c",
                                    member_id=member.id or 0, linked_at=clock(),
                                    last_seen_at=clock() + timedelta(hours=seen)))
        await outbox.enqueue(session, [Outbound(member.id or 0, [Msg("cancel.done")])], clock())
        # The member switches to English after the message was queued.
        found = await session.get(Member, member.id)
        assert found is not None
        found.language = "en"
    assert await delivery.drain() == 1
    assert zalo.sent[0][0] == "zalo-c"
    assert zalo.sent[0][1].text.startswith("Cancelled")
    assert tg.sent == []


async def test_an_unreachable_account_falls_back_to_the_other(db: Database, settings: Settings,
                                                              clock: FakeClock):
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch)
    tg = RecordingSender(ChannelInfo("telegram", True, True))
    _core, delivery = build_core(db, settings, {"telegram": tg}, clock)
    async with db.session() as session:
        session.add(ChatAccount(channel="zalo", user_id="z", chat_id="z", member_id=member.id or 0,
                                linked_at=clock(), last_seen_at=clock() + timedelta(hours=1),
                                unreachable_at=clock()))
        session.add(ChatAccount(channel="telegram", user_id="t", chat_id="t",
                                member_id=member.id or 0, linked_at=clock(), last_seen_at=clock()))
        await outbox.enqueue(session, [Outbound(member.id or 0, [Msg("cancel.done")])], clock())
    assert await delivery.drain() == 1
    assert tg.sent[0][0] == "t"


async def test_a_dedupe_key_prevents_a_second_enqueue(db: Database, clock: FakeClock):
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch)
    message = Outbound(member.id or 0, [Msg("cancel.done")], dedupe_key="reminder:1:1")
    async with db.session() as session:
        assert await outbox.enqueue(session, [message], clock()) == 1
    async with db.session() as session:
        assert await outbox.enqueue(session, [message], clock()) == 0
        rows = (await session.exec(select(OutboxMessage))).all()
    assert len(rows) == 1


async def test_a_broadcast_to_thousands_is_queued_once_each(db: Database, clock: FakeClock):
    """More rows than one PostgreSQL statement can carry (32,767 parameters) go in parts."""
    messages = [Outbound(ChatRef("terminal", str(n)), [Msg("cancel.done")], bulk=True,
                         dedupe_key=f"announce:1:{n}") for n in range(3000)]
    async with db.session() as session:
        assert await outbox.enqueue(session, messages[:10], clock()) == 10
    async with db.session() as session:
        assert await outbox.enqueue(session, messages, clock()) == 2990
        assert await outbox.enqueue(session, messages, clock()) == 0
        queued = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
    assert queued == 3000


async def test_a_member_without_any_account_is_marked_dead_not_retried(
    db: Database, settings: Settings, clock: FakeClock
):
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch)
    _core, delivery = build_core(db, settings, {}, clock)
    async with db.session() as session:
        await outbox.enqueue(session, [Outbound(member.id or 0, [Msg("cancel.done")])], clock())
    assert await delivery.drain() == 0
    async with db.session() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert row.status == OutboxStatus.DEAD


async def test_a_channel_asking_to_wait_gets_the_message_later_not_in_a_loop(
    db: Database, settings: Settings, clock: FakeClock
):
    from vocabulary.channels import RetryLater

    class Busy(RecordingSender):
        async def send(self, chat_id: str, message) -> None:
            raise RetryLater(0.3)

    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch)
    busy = Busy(ChannelInfo("telegram", True, True))
    _core, delivery = build_core(db, settings, {"telegram": busy}, clock)
    await f.link(db, member, "t", "telegram")
    async with db.session() as session:
        await outbox.enqueue(session, [Outbound(member.id or 0, [Msg("cancel.done")])], clock())
    assert await delivery.drain() == 0  # postponed, not retried in a loop
    clock.advance(seconds=1)
    ok = RecordingSender(ChannelInfo("telegram", True, True))
    delivery.senders["telegram"] = ok
    assert await delivery.drain() == 1
    assert len(ok.sent) == 1


async def test_the_account_written_from_last_gets_the_notices_even_seconds_apart(
    db: Database, settings: Settings, clock: FakeClock
):
    """A member writes on Telegram, then on Zalo, then on Telegram again, seconds apart."""
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch)
    tg = RecordingSender(ChannelInfo("telegram", True, True))
    zalo = RecordingSender(ChannelInfo("zalo", False, True))
    core, delivery = build_core(db, settings, {"telegram": tg, "zalo": zalo}, clock)
    async with db.session() as session:
        for channel in ("telegram", "zalo"):
            session.add(ChatAccount(channel=channel, user_id=f"{channel}-u", chat_id=f"{channel}-c",
                                    member_id=member.id or 0, linked_at=clock(),
                                    last_seen_at=clock()))
    reached = []
    for channel in ("telegram", "zalo", "telegram"):
        clock.advance(seconds=10)
        await core.handle(Inbound(channel, f"{channel}-c", f"{channel}-u", InboundKind.TEXT,
                                  clock(), text="xin chào"))
        async with db.session() as session:
            await outbox.enqueue(session, [Outbound(member.id or 0, [Msg("cancel.done")])],
                                 clock())
        before = {name: len(notices(sender)) for name, sender in (("telegram", tg), ("zalo", zalo))}
        await delivery.drain()
        reached += [name for name, sender in (("telegram", tg), ("zalo", zalo))
                    if len(notices(sender)) > before[name]]
    assert reached == ["telegram", "zalo", "telegram"]


async def test_a_drain_sends_the_next_message_of_a_person_whose_last_was_settled_mid_claim(
    db: Database, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    """A member's second message waits for the first's outcome; when that outcome is written
    while the next claim runs (so the claim saw the first still being sent), the drain claims
    again rather than stopping with the second left queued."""
    # A full claim (one row) is followed by another at once, and outcomes are written rarely:
    # that second claim surely finds the first message still 'sending'.
    settings = settings.model_copy(update={"delivery_settle_seconds": 0.3, "delivery_batch": 1})
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Lê Văn Tâm", branch)
    tg = RecordingSender(ChannelInfo("telegram", True, True))
    _core, delivery = build_core(db, settings, {"telegram": tg}, clock)
    await f.link(db, member, "t", "telegram")
    async with db.session() as session:
        await outbox.enqueue(session, [Outbound(member.id or 0, [Msg("cancel.done")]),
                                       Outbound(member.id or 0, [Msg("error.internal")])], clock())
    written = asyncio.Event()
    flush, claim = Settler.flush, Delivery._claim

    async def flush_and_tell(self: Settler) -> bool:
        wrote = bool(self.pending)
        done = await flush(self)
        if wrote and done:
            written.set()
        return done

    async def claim_while_settling(self: Delivery, limit: int
                                   ) -> tuple[int, list[Claimed], bool]:
        taken, claimed, behind = await claim(self, limit)
        if not taken and not written.is_set():  # it saw the first message still 'sending'
            await asyncio.wait_for(written.wait(), 10)
        return taken, claimed, behind

    monkeypatch.setattr(Settler, "flush", flush_and_tell)
    monkeypatch.setattr(Delivery, "_claim", claim_while_settling)
    assert await delivery.drain() == 2
    assert tg.sent[0][1].text.startswith("Đã hủy")


def notices(sender: RecordingSender) -> list[str]:
    return [chat for chat, message in sender.sent if message.text.startswith("Đã hủy")]

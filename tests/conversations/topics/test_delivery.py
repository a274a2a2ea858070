"""The month's topics reach every member of the chi bo once, on the send day, in order."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from conversations.topics import rounds
from storage.db import Database
from storage.models import AwayArrangement, AwayRecord, OrgKind, OutboxMessage, TopicRound
from storage.topics.spec import default_catalogue
from tests import factories as f
from tests.conversations.topics.conftest import (
    DEC_1,
    HANH,
    LONG,
    MAI,
    SEC,
    Branch,
    fire_timers,
)
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings

A1 = next(i for i in default_catalogue().items if i.code == "A1")


async def _schedule(db: Database, settings: Settings, clock: FakeClock) -> None:
    async with db.session() as session:
        await rounds.schedule_next(session, settings, clock())


def _received(chat: Chat, chat_id: str) -> list[str]:
    return [m.text for c, m in chat.sender.sent if c == chat_id]


async def test_topics_go_to_every_member_on_the_first_at_eight(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _schedule(db, settings, clock)
    clock.now = DEC_1 - timedelta(minutes=1)
    await fire_timers(db, settings, clock, chat)
    assert chat.sender.sent == []
    clock.now = DEC_1
    await fire_timers(db, settings, clock, chat)
    for person in (SEC, MAI, LONG):  # the exempted member too
        texts = _received(chat, person.chat_id)
        assert len(texts) == 1, person
        assert "12/2026" in texts[0]
        assert A1.text_vi in texts[0]
        assert A1.source in texts[0]
    assert _received(chat, HANH.chat_id) == []  # left the party
    choices = next(m.choices for c, m in chat.sender.sent if c == MAI.chat_id)
    assert [label for _id, label in choices] == ["Đã đọc"]


async def test_only_items_with_verified_text_are_sent(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    clock.now = DEC_1
    async with db.session() as session:
        await rounds.send_month(session, settings, "2026-12", DEC_1)
        sent = (await session.exec(select(TopicRound))).one()
    assert [p["code"] for p in sent.items] == ["A1", "A2", "A3"]  # A4-A9 have no text
    await chat.flush()
    text = _received(chat, MAI.chat_id)[0]
    assert "A3." in text
    assert "A4" not in text


async def test_a_restart_sends_nothing_twice(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    clock.now = DEC_1
    async with db.session() as session:
        first = await rounds.send_month(session, settings, "2026-12", DEC_1)
    async with db.session() as session:  # the job run again, as after a crash and restart
        again = await rounds.send_month(session, settings, "2026-12", DEC_1)
        queued = (await session.exec(select(OutboxMessage))).all()
    assert first.recipients == 4
    assert again.recipients == 0
    assert len(queued) == 4
    await chat.flush()
    assert len(_received(chat, MAI.chat_id)) == 1


async def test_english_readers_get_vietnamese_text_with_a_note(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    async with db.session() as session:
        member = await session.get(type(org.mai), org.mai.id)
        assert member is not None
        member.language = "en"
        session.add(member)
    clock.now = DEC_1
    async with db.session() as session:
        await rounds.send_month(session, settings, "2026-12", DEC_1)
    await chat.flush()
    text = _received(chat, MAI.chat_id)[0]
    assert A1.text_vi in text
    assert "Vietnamese only" in text


async def test_a_member_on_a_temporary_transfer_gets_the_host_chi_bos_topics(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    host = await f.org(db, "CB-HOST", OrgKind.BRANCH, org.base, "Chi bộ nơi đến")
    await f.member(db, "H-001", "Lê Văn Chủ", host)
    async with db.session() as session:
        session.add(AwayRecord(
            member_id=org.mai.id or 0, branch_id=org.branch.id or 0, place="Bình Dương",
            reason="work", arrangement=AwayArrangement.TRANSFER, host_org_id=host.id,
            starts_on=DEC_1.date() - timedelta(days=30), ends_on=DEC_1.date() + timedelta(days=150),
            last_contact_at=clock(), created_at=clock()))
    clock.now = DEC_1
    async with db.session() as session:
        await rounds.send_month(session, settings, "2026-12", DEC_1)
        hosts_round = (await session.exec(select(TopicRound).where(
            TopicRound.branch_id == host.id))).one()
        keys = set((await session.exec(select(OutboxMessage.dedupe_key))).all())
    assert f"topics:{hosts_round.id}:{org.mai.id}" in keys
    assert sum(1 for k in keys if k and k.endswith(f":{org.mai.id}")) == 1  # once, not twice

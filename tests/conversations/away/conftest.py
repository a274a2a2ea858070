"""A branch under a base committee (from the exemption tests), a second chi bo that may host a
member for a while, and the steps of «Tôi đi làm ăn xa» as a member types them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.db import Database
from storage.models import AwayRecord, OfficerRole, Organisation, OrgKind
from tests import factories as f
from tests.conversations.exemption.conftest import People, people, settle  # noqa: F401  (fixture)
from tests.support import Chat, Person
from vocabulary.types import InboundKind

TAM = Person("tam")  # the secretary of the chi bo a member transfers to
ARRANGEMENT = {"inform": "1", "suspend": "2", "transfer": "3"}


@pytest.fixture
async def host(db: Database, people: People) -> Organisation:  # noqa: F811
    """A second chi bo under the same base committee, with its own linked secretary."""
    other = await f.org(db, "CB-HB", OrgKind.BRANCH, people.org.base, name="Chi bộ ấp Hòa Bình")
    secretary = await f.member(db, "H-001", "Lý Văn Tâm", other, "+84912000301")
    await f.role(db, secretary, other, OfficerRole.SECRETARY)
    await f.link(db, secretary, TAM.chat_id)
    return other


async def leave(chat: Chat, person: Person, arrangement: str, end: str, *,
                start: str = "1", host: list[str] | None = None, phone: str = "1",
                send: bool = True) -> str:
    """«Tôi đi làm ăn xa»: to Bình Dương for work, from `start` until `end`."""
    await chat.open_menu(person, "Đơn từ của tôi")
    await chat.tap(person, chat.choice_id(person, "Tôi đi làm ăn xa"))
    await chat.say(person, "Phường Dĩ An, TP. Hồ Chí Minh")
    await chat.say(person, "1")  # work
    await chat.say(person, start)
    await chat.say(person, ARRANGEMENT[arrangement])
    reply = await chat.say(person, end)
    for typed in host or []:
        reply = await chat.say(person, typed)
    if phone:
        reply = await chat.say(person, phone)
    return await chat.say(person, "1") if send else reply


async def records(db: Database) -> list[AwayRecord]:
    async with db.session() as session:
        return list((await session.exec(select(AwayRecord).order_by(col(AwayRecord.id)))).all())


def received(chat: Chat, person: Person, since: int = 0) -> str:
    return "\n".join(m.text for c, m in chat.sender.sent[since:] if c == person.chat_id)


async def decide(chat: Chat, officer: Person, button: str) -> str:
    """Tap a decision button on the latest notice, leave the meeting details as they are (skip
    each one asked, then «Xong»), then let the undo window pass so that the member hears of the
    decision."""
    replies = await chat.send(officer, kind=InboundKind.CHOICE,
                              choice=chat.choice_id(officer, button))
    text = "\n".join(m.text for m in replies)
    for _ in range(10):
        labels = {label: c for m in replies for c, label in m.choices}
        if "Xong" in labels:
            await chat.tap(officer, labels["Xong"])
            break
        assert "Bỏ qua" in labels, text
        replies = await chat.send(officer, kind=InboundKind.CHOICE, choice=labels["Bỏ qua"])
    else:
        raise AssertionError(f"the meeting details never ended: {text}")
    await settle(chat, chat.clock)
    return text

"""Wrong picks at the desk: asked again politely, no file made, nothing of another chi bộ."""

from __future__ import annotations

from datetime import date

import pytest

from storage.db import Database
from storage.models import Conversation
from tests import factories as f
from tests.conversations.desk.conftest import Desk, open_desk, reach, relief
from tests.support import TYPED, Chat, FakeClock, Person
from vocabulary.settings import Settings

PLEASE_CHOOSE = "Xin đồng chí chọn một mục bên dưới"


def files_sent(chat: Chat, person: Person) -> int:
    return sum(1 for chat_id, message in chat.sender.sent
               if chat_id == person.chat_id and message.attachment is not None)


async def step_of(db: Database, person: Person) -> tuple[str | None, str | None]:
    async with db.session() as session:
        found = await session.get(Conversation, ("terminal", person.chat_id))
    assert found is not None
    return found.flow, found.step


@pytest.mark.parametrize("whose", ["another chi bo", "none"])
async def test_a_resolution_for_a_request_not_offered_is_refused(
        chat: Chat, desk: Desk, db: Database, whose: str) -> None:
    elsewhere = await f.member(db, "T-900", "Đảng viên Tân Hòa 900", desk.b)
    theirs = await relief(db, elsewhere, "exemption", date(2026, 5, 1), None)
    number = theirs.id if whose == "another chi bo" else (theirs.id or 0) + 1000
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "nghị quyết"))
    genuine = await reach(chat, desk.sec, f"Đơn số {desk.open_request.id}")
    forged = genuine.replace(str(desk.open_request.id), str(number))
    assert forged != genuine
    shown = await chat.tap(desk.sec, forged)
    assert "Lập dự thảo nghị quyết cho đơn nào?" in shown  # asked again
    assert "Đảng viên Tân Hòa 900" not in shown
    assert files_sent(chat, desk.sec) == 0
    assert await step_of(db, desk.sec) == ("desk", "request")


@pytest.fixture
def typed(db: Database, settings: Settings, clock: FakeClock) -> Chat:
    return Chat(db, settings, clock, TYPED)


async def test_a_typed_number_out_of_range_asks_again(
        typed: Chat, desk: Desk, db: Database) -> None:
    await typed.say(desk.sec, "/desk")
    shown = await typed.say(desk.sec, "99")
    assert PLEASE_CHOOSE in shown
    assert await step_of(db, desk.sec) == ("desk", "what")
    await typed.say(desk.sec, "3")  # the files
    await typed.say(desk.sec, "dự thảo nghị quyết")
    shown = await typed.say(desk.sec, "99")
    assert PLEASE_CHOOSE in shown
    assert await step_of(db, desk.sec) == ("desk", "request")
    assert files_sent(typed, desk.sec) == 0

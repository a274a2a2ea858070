"""On a text channel a number answers only the last question; a notice's options are named."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import RequestStatus
from tests.conversations.exemption.conftest import People, ask_health, member, requests
from tests.conversations.exemption.test_decisions import decisions
from tests.support import TYPED, Chat, FakeClock
from vocabulary.settings import Settings


@pytest.fixture
def typed(db: Database, settings: Settings, clock: FakeClock) -> Chat:
    return Chat(db, settings, clock, TYPED)


def menu_number(chat: Chat, people: People, label: str) -> str:
    """The number a person types for the menu entry whose label contains `label`."""
    ids = [choice_id for choice_id, _label in chat.last_choices(people.sec)]
    return str(ids.index(chat.choice_id(people.sec, label)) + 1)


def last_to(chat: Chat, chat_id: str) -> str:
    return next(m.text + "\n" + "\n".join(line for _id, line in m.named)
                for c, m in reversed(chat.sender.sent) if c == chat_id)


async def test_the_notice_names_its_options_instead_of_numbering_them(
    typed: Chat, people: People
) -> None:
    await typed.say(people.sec, "/menu")
    await ask_health(typed, people.mai)
    notice = last_to(typed, people.sec.chat_id)
    assert "Trả lời «1 1» để chọn: ✅ Chi bộ đã đồng ý" in notice
    assert "Trả lời «4 1» để chọn: 📅 Đưa ra cuộc họp tới" in notice


async def test_a_bare_number_after_a_notice_picks_from_the_menu_not_the_notice(
    typed: Chat, people: People, db: Database
) -> None:
    await typed.open_menu(people.sec, "Việc của cấp ủy")
    entry = menu_number(typed, people, "Đơn chờ")  # 4 when this test was written
    await ask_health(typed, people.mai)
    reply = await typed.say(people.sec, entry)  # the menu entry, as he meant
    assert "Đơn đang chờ quyết định" in reply
    [request] = await requests(db)
    assert request.deferred_at is None
    assert await decisions(db) == []


async def test_a_typed_2_never_records_a_rejection_nor_takes_the_next_words_as_its_reason(
    typed: Chat, people: People, db: Database
) -> None:
    await typed.say(people.sec, "/menu")
    await ask_health(typed, people.mai)
    await typed.say(people.sec, "2")  # a menu entry, not "the chi bộ does not agree"
    await typed.say(people.sec, "xong")
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING
    assert await decisions(db) == []
    assert "không đồng ý" not in "\n".join(
        m.text for c, m in typed.sender.sent if c == people.mai.chat_id).split("Đã gửi đơn")[-1]


async def test_a_named_code_is_read_back_and_recorded_only_when_confirmed(
    typed: Chat, people: People, db: Database
) -> None:
    await ask_health(typed, people.mai)
    reply = await typed.say(people.sec, "1 1")
    assert "Đồng chí vừa gõ «1 1»: ✅ Chi bộ đã đồng ý" in reply
    assert await decisions(db) == []
    assert "Chưa ghi gì" in await typed.say(people.sec, "không")
    assert await decisions(db) == []
    await typed.say(people.sec, "«1 1»")
    assert "Đã ghi quyết định về đơn số 1: đồng ý" in await typed.say(people.sec, "có")
    [decision] = await decisions(db)
    assert decision.outcome == "approved"


async def test_a_notice_arriving_mid_flow_does_not_capture_the_next_number(
    typed: Chat, people: People, db: Database
) -> None:
    await typed.say(people.sec, "/language")  # a question with two numbered options
    await ask_health(typed, people.mai)  # meanwhile the request's notice reaches him
    await typed.say(people.sec, "2")  # English, the language question's second option
    assert (await member(db, people.org.secretary.id or 0)).language == "en"
    [request] = await requests(db)
    assert request.deferred_at is None
    assert await decisions(db) == []


async def test_a_named_code_typed_mid_flow_records_nothing_and_says_why(
    typed: Chat, people: People, db: Database
) -> None:
    await ask_health(typed, people.mai)
    await typed.say(people.sec, "/language")
    reply = await typed.say(people.sec, "2 1")
    assert "đang làm dở một việc nên chưa ghi «2 1»" in reply
    assert await decisions(db) == []


async def test_an_old_code_after_the_decision_is_answered_not_recorded_again(
    typed: Chat, people: People, db: Database
) -> None:
    await ask_health(typed, people.mai)
    await typed.say(people.sec, "1 1")
    await typed.say(people.sec, "1")
    await typed.say(people.sec, "xong")
    await typed.say(people.dep, "2 1")
    reply = await typed.say(people.dep, "1")
    assert "đã" in reply.lower()
    assert len(await decisions(db)) == 1

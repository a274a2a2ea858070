"""Tampered buttons found by the chat fuzz (tests/chat_machine.py): refused, never a crash."""

from __future__ import annotations

import pytest

from storage.db import Database
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.support import Chat, Person

APOLOGY = "Chibot gặp sự cố"


@pytest.fixture
async def mai(db: Database, org: Branch) -> Person:
    await f.link(db, org.mai, "mai")
    return Person("mai")


async def nonce_of(chat: Chat, person: Person) -> str:
    """The nonce the buttons of the person's current question carry."""
    return next(c for c, _ in chat.last_choices(person) if c.startswith("s")).partition(":")[0]


async def test_a_typed_superscript_digit_is_not_an_option(chat: Chat, mai: Person):
    await chat.say(mai, "/menu")
    reply = await chat.say(mai, "²")  # once: ValueError in match_option, and an apology
    assert APOLOGY not in reply
    assert "Chibot chưa hiểu ý đồng chí." in reply


@pytest.mark.parametrize("forged", ["a:xr:ok:²:1", "a:xr:ok:99999999999999999999:1",
                                    "a:xr:undo:99999999999999999999"])
async def test_a_request_button_with_an_impossible_id_is_refused(chat: Chat, mai: Person,
                                                                  forged: str):
    reply = await chat.tap(mai, forged)  # conversations/exemption/actions.py:23-27
    assert APOLOGY not in reply


async def test_withdrawing_a_forged_request_number_is_refused(chat: Chat, mai: Person):
    await chat.open_menu(mai, "Đơn từ của tôi")
    await chat.tap(mai, chat.choice_id(mai, "Xin giảm, miễn"))
    for answer in ("2", "1", "1", "1"):  # exemption, health, certificate at the meeting, send
        await chat.say(mai, answer)
    await chat.open_menu(mai, "Đơn từ của tôi")
    await chat.tap(mai, chat.choice_id(mai, "Đơn của tôi"))
    nonce = await nonce_of(chat, mai)
    for forged in ("w²", "w99999999999999999999"):
        assert APOLOGY not in await chat.tap(mai, f"{nonce}:{forged}")


async def test_a_forged_language_button_does_not_leave_the_chat_unreadable(chat: Chat):
    guest = Person("guest")
    await chat.say(guest, "xin chào")
    nonce = await nonce_of(chat, guest)
    reply = await chat.tap(guest, f"{nonce}:lang-xx")
    assert "consent.welcome" not in reply
    assert "Chibot" in reply

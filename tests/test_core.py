"""A failing handler: the person gets an apology in his/her language, the log no personal data."""

from __future__ import annotations

import logging

import pytest

from conversations.engine import Engine
from storage.db import Database
from storage.models import OrgKind
from tests import factories as f
from tests.conversations.conftest import register
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings


async def test_a_crash_in_a_handler_apologises_and_logs_no_personal_data(
    db: Database, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
):
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    await f.member(db, "M1", "Lê Thị Hằng", branch, "+84912000303", language="en")
    chat = Chat(db, settings, clock)
    hang = Person("u-hang")
    await register(chat, hang, "0912 000 303")

    async def broken(self: Engine, ctx: object) -> None:
        raise ValueError("phone +84912000303 of Lê Thị Hằng")

    monkeypatch.setattr(Engine, "dispatch", broken)
    with caplog.at_level(logging.INFO):
        reply = await chat.say(hang, "menu")
    assert "Sorry, something went wrong" in reply
    assert "ValueError at" in caplog.text
    assert "84912000303" not in caplog.text
    assert "Hằng" not in caplog.text

    monkeypatch.undo()
    assert "What would you like to do" in await chat.say(hang, "menu")

"""/cancel at every step of the desk leaves the chat idle."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Conversation
from tests.conversations.desk.conftest import Desk
from tests.support import Chat

# Each (flow, step) with the (person, input) pairs that reach it.
DESK_PATHS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("desk", "pick"): [("base", "/desk")],
    ("desk", "what"): [("sec", "/desk")],
    ("desk", "request"): [("sec", "/desk"), ("sec", "bảng tính excel và dự thảo"),
                           ("sec", "dự thảo nghị quyết")],
}


@pytest.mark.parametrize("path", sorted(DESK_PATHS))
async def test_cancel_at_every_desk_step(
    chat: Chat, db: Database, desk: Desk, path: tuple[str, str]
) -> None:
    persons = {"sec": desk.sec, "base": desk.base_member}
    for who, text in DESK_PATHS[path]:
        await chat.say(persons[who], text)
    last = persons[DESK_PATHS[path][-1][0]]
    async with db.session() as session:
        before = await session.get(Conversation, ("terminal", last.chat_id))
    assert before is not None
    assert (before.flow, before.step) == path
    assert "Đã hủy" in await chat.say(last, "/cancel")
    async with db.session() as session:
        after = await session.get(Conversation, ("terminal", last.chat_id))
    assert after is not None
    assert (after.flow, after.step) == (None, None)

"""«Hủy» at every step of the monthly topics' flow leaves the chat idle."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Conversation
from tests.conversations.topics.conftest import DEC_1, SEC, Branch, send
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings

TOPIC_PATHS: dict[tuple[str, str], list[str]] = {
    ("topics", "menu"): ["/topics"],
    ("topics", "mine"): ["/topics", "tự soi, tự sửa của tôi"],
    ("topics", "reflect_item"): ["/topics", "viết tự soi, tự sửa"],
    ("topics", "reflect_text"): ["/topics", "viết tự soi, tự sửa", "1"],
    ("topics", "reflect_share"): ["/topics", "viết tự soi, tự sửa", "1", "Tôi sẽ sửa."],
}
BEFORE_SENDING: dict[tuple[str, str], list[str]] = {  # the officers' changes, before the 1st
    ("topics", "swap"): ["/topics", "đổi một chủ đề"],
    ("topics", "add"): ["/topics", "thêm một chủ đề"],
    ("topics", "voice"): ["/topics", "ghi âm lời giới thiệu"],
}


@pytest.mark.parametrize("path", sorted({**TOPIC_PATHS, **BEFORE_SENDING}))
async def test_cancel_at_every_step(db: Database, settings: Settings, clock: FakeClock,
                                    chat: Chat, org: Branch, path: tuple[str, str]) -> None:
    if path in TOPIC_PATHS:
        clock.now = DEC_1
        await send(db, settings, "2026-12", DEC_1)
    for text in {**TOPIC_PATHS, **BEFORE_SENDING}[path]:
        await chat.say(SEC, text)
    async with db.session() as session:
        before = await session.get(Conversation, ("terminal", SEC.chat_id))
    assert before is not None
    assert (before.flow, before.step) == path
    assert "Đã hủy" in await chat.say(SEC, "/cancel")

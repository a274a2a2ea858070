"""Rows that name a body stored once (a month's topics) are sent with that body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from storage.db import Database
from storage.models import OutboxMessage, TopicMessage
from storage.repos import outbox
from vocabulary.messages import Msg
from vocabulary.types import ChatRef, Outbound

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _body(text: str) -> dict[str, Any]:
    return {"body": [{"key": "x", "args": {"text": text}}], "choices": [], "reply": False,
            "request_contact": False}


def _row(row_id: int, payload: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage(id=row_id, dedupe_key=f"k{row_id}", recipient=f"m:{row_id}",
                         payload=payload)


async def _stored(db: Database, *texts: str) -> list[int]:
    async with db.session() as session:
        messages = [TopicMessage(payload=_body(text), created_at=NOW) for text in texts]
        session.add_all(messages)
        await session.flush()
        return [m.id or 0 for m in messages]


async def test_each_row_gets_its_body_under_its_own_keys(db: Database) -> None:
    first, second = await _stored(db, "tháng 12", "tháng 1")
    rows = [_row(1, {"shared": first, "reply": False}),
            _row(2, {"shared": second, "reply": False, "avoid": "zalo"}),
            _row(3, _body("không chia sẻ"))]
    async with db.session() as session:
        found = await outbox.full_payloads(session, rows, {})
    assert found[1] == _body("tháng 12")
    assert found[2] == {**_body("tháng 1"), "avoid": "zalo"}
    assert found[3] == _body("không chia sẻ")


async def test_a_full_cache_is_emptied_without_losing_a_body(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await _stored(db, "một", "hai", "ba")
    monkeypatch.setattr(outbox, "SHARED_KEPT", 2)
    known = {ids[0]: _body("một")}  # read by an earlier claim
    rows = [_row(n, {"shared": i, "reply": False}) for n, i in enumerate(ids, 1)]
    async with db.session() as session:
        found = await outbox.full_payloads(session, rows, known)
    assert [found[n]["body"][0]["args"]["text"] for n in (1, 2, 3)] == ["một", "hai", "ba"]


async def test_a_row_whose_body_is_gone_gets_none(db: Database) -> None:
    async with db.session() as session:
        found = await outbox.full_payloads(session, [_row(1, {"shared": 999, "reply": False})], {})
    assert found == {1: None}


async def test_queued_messages_are_counted_with_or_without_a_dedupe_key(db: Database):
    """A reply of several messages has no keys; a notice sent again keeps its one key."""
    chat = ChatRef("terminal", "c1")
    now = datetime(2026, 12, 4, tzinfo=UTC)
    reply = [Outbound(chat, [Msg("error.internal")]) for _ in range(3)]
    notice = [Outbound(chat, [Msg("error.internal")], dedupe_key=f"n{n}") for n in (1, 2, 1)]
    async with db.session() as session:
        assert await outbox.enqueue(session, reply, now) == 3
        assert await outbox.enqueue(session, notice, now) == 2
        assert await outbox.enqueue(session, notice[:1], now) == 0

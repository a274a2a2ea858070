"""Conversation state per chat, and the menu that typed numbers refer to."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation

_TABLE = Conversation.__table__  # type: ignore[attr-defined]
_WRITTEN = ("flow", "step", "nonce", "data", "language")  # the menu is delivery's to set
# Read and written as rows, not ORM objects: this runs for every message (built once).
_THIS_CHAT = (_TABLE.c.channel == bindparam("at_channel"),
              _TABLE.c.chat_id == bindparam("at_chat"))
_SHOWN = ("menu", "named")  # what delivery sets when a message reaches the chat
STORED = tuple(_TABLE.c[name] for name in (*_WRITTEN, *_SHOWN, "version"))
_LOAD = select(*STORED).where(*_THIS_CHAT)
_INSERT = insert(_TABLE)
_UPDATE = update(_TABLE).where(*_THIS_CHAT, _TABLE.c.version == bindparam("seen_version"))


def _upsert(insert_for: Any, column: str) -> Any:
    """One statement, so a handler storing the same chat at that moment cannot make it fail."""
    statement = insert_for(_TABLE)
    return statement.on_conflict_do_update(index_elements=["channel", "chat_id"],
                                           set_={column: statement.excluded[column]})


_SET = {(dialect, column): _upsert(insert_for, column)
        for dialect, insert_for in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
        for column in _SHOWN}
_NAMED = select(_TABLE.c.named).where(*_THIS_CHAT)
NAMED_KEPT = 40  # codes a chat keeps: the newest notices' options


@dataclass
class ChatState:
    """Where one chat stands: its flow, step and data, and the menu its numbers refer to."""

    channel: str
    chat_id: str
    flow: str | None = None
    step: str | None = None
    nonce: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    menu: list[Any] = field(default_factory=list)
    named: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    version: int = 0  # 0: not stored yet
    loaded: tuple[Any, ...] = field(default=(), repr=False, compare=False)  # as stored


def _written(state: ChatState) -> tuple[Any, ...]:
    return tuple(getattr(state, name) for name in _WRITTEN)


async def load(session: AsyncSession, channel: str, chat_id: str) -> ChatState:
    """The chat's state as it is now; a chat never seen starts empty."""
    found = await session.exec(_LOAD, params={"at_channel": channel, "at_chat": chat_id})
    row = found.first()
    return state_of(channel, chat_id, None if row is None else row._asdict())


def state_of(channel: str, chat_id: str, stored: dict[str, Any] | None) -> ChatState:
    """The state from the `STORED` columns as read (None: a chat never seen starts empty)."""
    if stored is None or stored["version"] is None:
        return ChatState(channel, chat_id)
    state = ChatState(channel, chat_id, **stored)
    state.loaded = copy.deepcopy(_written(state))  # handlers change `data` in place
    return state


async def save(session: AsyncSession, state: ChatState, now: datetime) -> None:
    """Write the state back if it changed; a change made meanwhile by another worker fails the
    write. Raises StaleDataError (or IntegrityError for a chat stored meanwhile): the caller
    retries. Most messages (a menu, help) change nothing: then nothing is written.
    """
    if state.version and _written(state) == state.loaded:
        return
    if state.version == 0:
        await session.exec(_INSERT, params=_new_row(state, now))  # type: ignore[call-overload]
    else:
        result = await session.exec(_UPDATE, params={  # type: ignore[call-overload]
            **{name: getattr(state, name) for name in _WRITTEN}, "updated_at": now,
            "version": state.version + 1, "at_channel": state.channel,
            "at_chat": state.chat_id, "seen_version": state.version})
        if result.rowcount != 1:
            raise StaleDataError(f"conversation changed since version {state.version}")
    state.version += 1
    state.loaded = copy.deepcopy(_written(state))


async def set_menu(
    session: AsyncSession, channel: str, chat_id: str, menu: list[Any], now: datetime
) -> None:
    """Remember the options last shown in this chat (without touching the flow's version)."""
    await _set(session, ChatState(channel, chat_id, menu=menu), "menu", now)


async def add_named(
    session: AsyncSession, channel: str, chat_id: str, named: dict[str, Any], now: datetime
) -> None:
    """Add the named options of a message that reached the chat; the newest are kept."""
    found = await session.exec(_NAMED, params={"at_channel": channel, "at_chat": chat_id})
    kept = {code: c for code, c in (found.scalar() or {}).items() if code not in named} | named
    kept = dict(list(kept.items())[-NAMED_KEPT:])
    await _set(session, ChatState(channel, chat_id, named=kept), "named", now)


async def _set(session: AsyncSession, state: ChatState, column: str, now: datetime) -> None:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    row = _new_row(state, now)  # for a chat not stored yet
    await session.exec(_SET[dialect, column], params=row)  # type: ignore[call-overload]


def _new_row(state: ChatState, now: datetime) -> dict[str, Any]:
    return {**{name: getattr(state, name) for name in (*_WRITTEN, *_SHOWN)},
            "channel": state.channel, "chat_id": state.chat_id, "updated_at": now, "version": 1}

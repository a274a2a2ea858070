"""Conversation state per chat, and the menu that typed numbers refer to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation

_LOAD = select(Conversation).where(Conversation.channel == bindparam("channel"),
                                  Conversation.chat_id == bindparam("chat"))


async def load(session: AsyncSession, channel: str, chat_id: str, now: datetime) -> Conversation:
    """The chat's state, detached: changes to it are written by `save`, once, not at every
    autoflush on the way (the read is built once: it runs for every message)."""
    found = await session.exec(_LOAD, params={"channel": channel, "chat": chat_id})
    state = found.first()
    if state is None:
        return Conversation(channel=channel, chat_id=chat_id, updated_at=now)
    session.expunge(state)
    return state


def save(session: AsyncSession, state: Conversation, now: datetime) -> None:
    """Write the state back at the next flush (its version counter guards concurrent changes)."""
    state.updated_at = now
    flag_modified(state, "data")  # changed in place by the flows
    session.add(state)


async def set_menu(
    session: AsyncSession, channel: str, chat_id: str, menu: list[Any], now: datetime
) -> None:
    """Remember the options last shown in this chat (without touching the flow's version)."""
    result = await session.exec(
        update(Conversation)
        .where(col(Conversation.channel) == channel, col(Conversation.chat_id) == chat_id)
        .values(menu=menu)
    )
    if result.rowcount == 0:
        session.add(Conversation(channel=channel, chat_id=chat_id, menu=menu, updated_at=now))

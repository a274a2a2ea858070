"""Conversation state per chat, and the menu that typed numbers refer to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation

_LOAD = select(Conversation).where(Conversation.channel == bindparam("channel"),
                                  Conversation.chat_id == bindparam("chat"))


async def load(session: AsyncSession, channel: str, chat_id: str, now: datetime) -> Conversation:
    """The chat's state (read with a statement built once: it runs for every message)."""
    found = await session.exec(_LOAD, params={"channel": channel, "chat": chat_id})
    state = found.first()
    if state is None:
        state = Conversation(channel=channel, chat_id=chat_id, updated_at=now)
        session.add(state)
    return state


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

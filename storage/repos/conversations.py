"""Conversation state per chat, and the menu that typed numbers refer to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation


async def load(session: AsyncSession, channel: str, chat_id: str, now: datetime) -> Conversation:
    state = await session.get(Conversation, (channel, chat_id))
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

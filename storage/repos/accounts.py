"""Chat accounts linked to members."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount


async def by_user(session: AsyncSession, channel: str, user_id: str) -> ChatAccount | None:
    query = select(ChatAccount).where(
        ChatAccount.channel == channel, ChatAccount.user_id == user_id)
    return (await session.exec(query)).first()


async def of_member(session: AsyncSession, member_id: int) -> list[ChatAccount]:
    """The member's accounts, the one used last first."""
    query = (
        select(ChatAccount)
        .where(ChatAccount.member_id == member_id)
        .order_by(col(ChatAccount.last_seen_at).desc())
    )
    return list((await session.exec(query)).all())

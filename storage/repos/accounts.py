"""Chat accounts linked to members."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount, Member


async def by_user(session: AsyncSession, channel: str, user_id: str) -> ChatAccount | None:
    query = select(ChatAccount).where(
        ChatAccount.channel == channel, ChatAccount.user_id == user_id)
    return (await session.exec(query)).first()


async def with_member(
    session: AsyncSession, channel: str, user_id: str
) -> tuple[ChatAccount | None, Member | None]:
    """The account of this user on this channel, and the member it is linked to."""
    query = (select(ChatAccount, Member)
             .join(Member, col(Member.id) == ChatAccount.member_id)
             .where(ChatAccount.channel == channel, ChatAccount.user_id == user_id))
    row = (await session.exec(query)).first()
    return (row[0], row[1]) if row else (None, None)


async def of_member(session: AsyncSession, member_id: int) -> list[ChatAccount]:
    """The member's accounts, the one used last first."""
    query = (
        select(ChatAccount)
        .where(ChatAccount.member_id == member_id)
        .order_by(col(ChatAccount.last_seen_at).desc())
    )
    return list((await session.exec(query)).all())

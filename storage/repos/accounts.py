"""Chat accounts linked to members."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount, Member


async def by_user(session: AsyncSession, channel: str, user_id: str) -> ChatAccount | None:
    query = select(ChatAccount).where(
        ChatAccount.channel == channel, ChatAccount.user_id == user_id)
    return (await session.exec(query)).first()


_WITH_MEMBER = (select(ChatAccount, Member)  # built once: it runs for every message
                .join(Member, col(Member.id) == ChatAccount.member_id)
                .where(ChatAccount.channel == bindparam("channel"),
                       ChatAccount.user_id == bindparam("user")))


async def with_member(
    session: AsyncSession, channel: str, user_id: str
) -> tuple[ChatAccount | None, Member | None]:
    """The account of this user on this channel, and the member it is linked to."""
    found = await session.exec(_WITH_MEMBER, params={"channel": channel, "user": user_id})
    row = found.first()
    return (row[0], row[1]) if row else (None, None)


async def of_member(session: AsyncSession, member_id: int) -> list[ChatAccount]:
    """The member's accounts, the one used last first."""
    query = (
        select(ChatAccount)
        .where(ChatAccount.member_id == member_id)
        .order_by(col(ChatAccount.last_seen_at).desc())
    )
    return list((await session.exec(query)).all())

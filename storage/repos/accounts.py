"""Chat accounts linked to members."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatAccount, Member, Officer
from storage.repos import orgs


async def by_user(session: AsyncSession, channel: str, user_id: str) -> ChatAccount | None:
    query = select(ChatAccount).where(
        ChatAccount.channel == channel, ChatAccount.user_id == user_id)
    return (await session.exec(query)).first()


class Writer(NamedTuple):
    """Who wrote: the account, its member, and when he/she last wrote from another account."""

    account: ChatAccount | None
    member: Member | None
    others_seen: datetime | None


_other = aliased(ChatAccount)
_OTHERS_SEEN = (select(func.max(_other.last_seen_at))
                .where(_other.member_id == ChatAccount.member_id, _other.id != ChatAccount.id)
                .scalar_subquery())
# Whether the member holds a role now: most hold none, and then no menu asks for roles.
_HOLDS_ROLE = exists().where(Officer.member_id == Member.id, col(Officer.ended_at).is_(None))
# What `writer_of` reads, the account and its member joined (outer joins allowed).
WRITER = (ChatAccount, Member, _OTHERS_SEEN, _HOLDS_ROLE)


def writer_of(session: AsyncSession, row: tuple[Any, ...]) -> Writer:
    """The writer from the `WRITER` columns: an account linked to no member counts as none."""
    account, member, others_seen, holds_role = row
    if account is None or member is None:
        return Writer(None, None, None)
    if not holds_role:
        orgs.note_no_roles(session, member.id or 0)
    return Writer(account, member, others_seen)


async def of_member(session: AsyncSession, member_id: int) -> list[ChatAccount]:
    """The member's accounts, the one used last first."""
    query = (
        select(ChatAccount)
        .where(ChatAccount.member_id == member_id)
        .order_by(col(ChatAccount.last_seen_at).desc())
    )
    return list((await session.exec(query)).all())

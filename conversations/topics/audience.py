"""Who receives a chi bo's monthly topics: the one place that says so.

Every member of the chi bo who has not left, exempted and away members included (they stay
members, and the national app leaves exempted ones out). A member on a temporary transfer
gets the host chi bo's topics instead of his/her own (read from the away records).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, MemberStatus
from storage.repos.away import hosted_on


def members(on: date) -> Any:
    """(member_id, branch_id) of every member on `on` and the chi bo whose topics he/she
    gets: his/her own, or the host's while transferred there."""
    hosted = hosted_on(on).subquery()
    return (select(col(Member.id).label("member_id"),
                   func.coalesce(hosted.c.host_org_id, Member.branch_id).label("branch_id"))
            .outerjoin(hosted, hosted.c.member_id == Member.id)
            .where(Member.status != MemberStatus.LEFT))


async def branch_of(session: AsyncSession, member_id: int, on: date) -> int | None:
    """The chi bo whose topics this member gets on `on`."""
    query = members(on).subquery()
    found = await session.exec(select(query.c.branch_id).where(query.c.member_id == member_id))
    return found.first()

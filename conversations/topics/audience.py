"""Who receives a chi bo's monthly topics: the one place that says so.

Every member of the chi bo who has not left, exempted and away members included (they stay
members, and the national app leaves exempted ones out). Temporarily transferred members
are to get the receiving chi bo's topics instead: the coordinator wires that here from the
away capability's set-based queries (who is hosted by which branches, who is transferred out).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, MemberStatus


def members() -> Any:
    """(member_id, branch_id) of every member and the chi bo whose topics he/she gets."""
    return (select(col(Member.id).label("member_id"), col(Member.branch_id).label("branch_id"))
            .where(Member.status != MemberStatus.LEFT))


async def receives(session: AsyncSession, member_id: int, branch_id: int) -> bool:
    """Whether this member gets that chi bo's topics."""
    query = members().subquery()
    found = await session.exec(select(query.c.member_id)
                               .where(query.c.member_id == member_id,
                                      query.c.branch_id == branch_id))
    return found.first() is not None


async def branch_of(session: AsyncSession, member_id: int) -> int | None:
    """The chi bo whose topics this member gets."""
    query = members().subquery()
    found = await session.exec(select(query.c.branch_id).where(query.c.member_id == member_id))
    return found.first()

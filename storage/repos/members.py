"""Looking members up."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, MemberStatus


async def by_roster_id(session: AsyncSession, roster_id: str) -> Member | None:
    return (await session.exec(select(Member).where(Member.roster_id == roster_id))).first()


async def by_phone(session: AsyncSession, phone: str) -> list[Member]:
    """Current members with this (normalised) phone; two may share one."""
    query = select(Member).where(Member.phone == phone, Member.status != MemberStatus.LEFT)
    return list((await session.exec(query)).all())


async def in_orgs(session: AsyncSession, org_ids: list[int]) -> list[Member]:
    query = (
        select(Member)
        .where(col(Member.branch_id).in_(org_ids), Member.status != MemberStatus.LEFT)
        .order_by(Member.full_name)
    )
    return list((await session.exec(query)).all())

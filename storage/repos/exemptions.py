"""Looking up reduction and exemption requests."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ExemptionRequest, ReliefKind, RequestStatus

OPEN = (RequestStatus.PENDING, RequestStatus.MORE_INFO)


async def open_for(session: AsyncSession, member_id: int) -> ExemptionRequest | None:
    """The member's one request still being decided, if any."""
    query = select(ExemptionRequest).where(ExemptionRequest.member_id == member_id,
                                           col(ExemptionRequest.status).in_(OPEN))
    return (await session.exec(query)).first()


_IN_FORCE = (select(ExemptionRequest)  # built once: every main menu asks
             .where(ExemptionRequest.member_id == bindparam("member"),
                    ExemptionRequest.status == RequestStatus.APPROVED,
                    ExemptionRequest.kind != ReliefKind.RETURN)
             .order_by(col(ExemptionRequest.id).desc()))


async def in_force(session: AsyncSession, member_id: int) -> ExemptionRequest | None:
    """The member's approved reduction or exemption that has not ended, if any."""
    return (await session.exec(_IN_FORCE, params={"member": member_id})).first()


async def of_member(session: AsyncSession, member_id: int, limit: int) -> list[ExemptionRequest]:
    query = (select(ExemptionRequest).where(ExemptionRequest.member_id == member_id)
             .order_by(col(ExemptionRequest.id).desc()).limit(limit))
    return list((await session.exec(query)).all())


async def waiting_at(session: AsyncSession, org_ids: list[int]) -> list[ExemptionRequest]:
    """Requests waiting for a decision at these organisations, deferred ones first."""
    query = (select(ExemptionRequest)
             .where(col(ExemptionRequest.stage_org_id).in_(org_ids),
                    col(ExemptionRequest.status).in_(OPEN))
             .order_by(col(ExemptionRequest.deferred_at).is_(None), col(ExemptionRequest.id)))
    return list((await session.exec(query)).all())

"""Looking up members' requests, of every type or of one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Request, RequestDecision, RequestStatus

OPEN = (RequestStatus.PENDING, RequestStatus.MORE_INFO)
IN_FORCE = (RequestStatus.APPROVED, RequestStatus.ACKNOWLEDGED)


async def open_for(session: AsyncSession, member_id: int, type_: str) -> Request | None:
    """The member's one request of this type still being decided, if any."""
    query = select(Request).where(Request.member_id == member_id, Request.type == type_,
                                  col(Request.status).in_(OPEN))
    return (await session.exec(query)).first()


_IN_FORCE = (select(Request)  # built once: every main menu asks
             .where(Request.member_id == bindparam("member"), Request.type == bindparam("type"),
                    col(Request.status).in_(IN_FORCE),
                    col(Request.kind).not_in(bindparam("not_kinds", expanding=True)))
             .order_by(col(Request.id).desc()))


async def in_force(
    session: AsyncSession, member_id: int, type_: str, not_kinds: tuple[str, ...] = ()
) -> Request | None:
    """The member's latest approved request of this type not yet ended (of other kinds)."""
    params = {"member": member_id, "type": type_, "not_kinds": list(not_kinds) or [""]}
    return (await session.exec(_IN_FORCE, params=params)).first()


async def of_member(session: AsyncSession, member_id: int, limit: int) -> list[Request]:
    query = (select(Request).where(Request.member_id == member_id)
             .order_by(col(Request.id).desc()).limit(limit))
    return list((await session.exec(query)).all())


async def waiting_at(session: AsyncSession, org_ids: list[int]) -> list[Request]:
    """Requests waiting for a decision at these organisations, deferred ones first."""
    query = (select(Request)
             .where(col(Request.stage_org_id).in_(org_ids), col(Request.status).in_(OPEN))
             .order_by(col(Request.deferred_at).is_(None), col(Request.id)))
    return list((await session.exec(query)).all())



async def last_meeting_on(
    session: AsyncSession, branch_id: int, stage: str, before: date, other_than: int
) -> date | None:
    """The latest date a decision at `stage` was recorded with for this branch's requests
    (its last meeting as the bot knows it), up to `before`, leaving out one decision."""
    query = (select(RequestDecision.meeting_on)
             .join(Request, col(Request.id) == RequestDecision.request_id)
             .where(Request.branch_id == branch_id, RequestDecision.stage == stage,
                    col(RequestDecision.meeting_on).is_not(None),
                    col(RequestDecision.meeting_on) <= before,
                    col(RequestDecision.undone_at).is_(None),
                    col(RequestDecision.id) != other_than)
             .order_by(col(RequestDecision.meeting_on).desc()).limit(1))
    return (await session.exec(query)).first()

"""Reliefs already in force, brought in by the roster: each becomes an approved exemption
request (marked imported, with its decision's date and number), the member's status follows
it, and its timers are set as the exemption capability sets them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, MemberStatus, ReliefKind, Request, RequestStatus
from storage.repos.timers import schedule

# The exemption capability's request type and timer kinds (conversations/exemption/effects.py
# uses these names): an imported relief is fired by the same jobs as one decided in the bot.
EXEMPTION = "exemption"
START, END, REVIEW = "exemption-start", "exemption-end", "exemption-review"


@dataclass(frozen=True)
class Relief:
    """A row's relief: reduction or exemption, why, its period and the decision behind it."""

    kind: str
    reason: str
    since: date
    until: date | None
    decided_on: date | None
    decision_no: str | None


@dataclass(frozen=True)
class Clock:
    """When the import runs, where the branches are, and how often open reliefs are reviewed."""

    now: datetime
    today: date
    tz: ZoneInfo
    review_months: int

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)


async def bring_in(session: AsyncSession, member: Member, relief: Relief, clock: Clock) -> bool:
    """Record the member's relief unless one is already in force; True when recorded."""
    query = select(Request).where(
        Request.member_id == member.id, Request.type == EXEMPTION,
        col(Request.status).in_((RequestStatus.APPROVED, RequestStatus.ACKNOWLEDGED)),
        Request.kind != ReliefKind.RETURN)
    if (await session.exec(query)).first() is not None:
        return False
    request = Request(
        type=EXEMPTION, member_id=member.id or 0, branch_id=member.branch_id, kind=relief.kind,
        reason=relief.reason, starts_on=relief.since, ends_on=relief.until,
        status=RequestStatus.APPROVED, stage_since=clock.now, created_at=clock.now,
        closed_at=clock.now,
        detail={"imported": True, "decision_no": relief.decision_no,
                "decided_on": relief.decided_on.isoformat() if relief.decided_on else None})
    session.add(request)
    await session.flush()
    if relief.since <= clock.today:
        member.status = MemberStatus.REDUCED if relief.kind == ReliefKind.REDUCTION \
            else MemberStatus.EXEMPTED
        session.add(member)
    else:
        await schedule(session, START, f"{START}:{request.id}", clock.midnight(relief.since),
                       clock.now, request_id=request.id)
    if relief.until is not None:
        await schedule(session, END, f"{END}:{request.id}",
                       clock.midnight(relief.until + timedelta(days=1)), clock.now,
                       request_id=request.id)
    else:
        await schedule(session, REVIEW, f"{REVIEW}:{request.id}:1",
                       clock.now + relativedelta(months=clock.review_months), clock.now,
                       request_id=request.id, number=1)
    return True

"""What a decided request changes: the member's status for its period, and the timers around it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Msg
from bot.timers import schedule
from conversations.exemption.act import Act
from conversations.exemption.rules import relieved_status
from storage.models import (
    ExemptionRequest,
    Member,
    MemberStatus,
    ReliefKind,
    RequestDecision,
    RequestStatus,
)

REMIND, ESCALATE = "exemption-remind", "exemption-escalate"
START, END, REVIEW = "exemption-start", "exemption-end", "exemption-review"


async def member_status(session: AsyncSession, request: ExemptionRequest) -> str | None:
    member = await session.get(Member, request.member_id)
    return member.status if member else None


def local_midnight(day: date, act: Act) -> datetime:
    """The start of `day` where the branch lives, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=act.settings.tz).astimezone(UTC)


async def schedule_reminders(act: Act, request: ExemptionRequest) -> None:
    """Officers are reminded, and then the level above told, if this revision waits too long."""
    for kind, days in ((REMIND, act.settings.officer_reminder_days),
                       (ESCALATE, act.settings.officer_escalation_days)):
        await schedule(act.session, kind, f"{kind}:{request.id}:{request.revision}",
                       act.now + timedelta(days=days), act.now, request_id=request.id,
                       revision=request.revision)


async def put_in_force(act: Act, request: ExemptionRequest) -> Msg:
    """An approval changes the member's status for its period; returns what the member is told."""
    member = await act.session.get(Member, request.member_id)
    if member is None:
        return Msg("exemption.effect.none")
    if request.kind == ReliefKind.RETURN:
        await _end_relief(act, request.relieves_id, member)
        return Msg("exemption.effect.returned")
    starts = request.starts_on or act.today
    if starts <= act.today:
        member.status = relieved_status(request.kind)
        act.session.add(member)
    else:
        await schedule(act.session, START, f"{START}:{request.id}", local_midnight(starts, act),
                       act.now, request_id=request.id)
    if request.ends_on is not None:
        await schedule(act.session, END, f"{END}:{request.id}",
                       local_midnight(request.ends_on + timedelta(days=1), act), act.now,
                       request_id=request.id)
        return Msg(f"exemption.effect.{request.kind}.until", start=starts, end=request.ends_on)
    await schedule_review(act, request, 1)
    return Msg(f"exemption.effect.{request.kind}.open", start=starts)


async def schedule_review(act: Act, request: ExemptionRequest, number: int) -> None:
    due = act.now + relativedelta(months=act.settings.exemption_review_months)
    await schedule(act.session, REVIEW, f"{REVIEW}:{request.id}:{number}", due, act.now,
                   request_id=request.id, number=number)


async def _end_relief(act: Act, request_id: int | None, member: Member) -> None:
    relief = await act.session.get(ExemptionRequest, request_id or 0)
    if relief is not None and relief.status == RequestStatus.APPROVED:
        relief.status, relief.closed_at = RequestStatus.ENDED, act.now
        act.session.add(relief)
    if member.status in (MemberStatus.EXEMPTED, MemberStatus.REDUCED):
        member.status = MemberStatus.ACTIVE
        act.session.add(member)


async def restore(act: Act, request: ExemptionRequest, decision: RequestDecision) -> None:
    """Undo what an approval changed: the member's status, and a relief a return had ended."""
    if decision.outcome != "approved":
        return
    member = await act.session.get(Member, request.member_id)
    before = decision.before.get("member_status")
    if member is not None and before:
        member.status = MemberStatus(before)
        act.session.add(member)
    if request.kind == ReliefKind.RETURN:
        relief = await act.session.get(ExemptionRequest, request.relieves_id or 0)
        if relief is not None and relief.status == RequestStatus.ENDED:
            relief.status = RequestStatus.APPROVED
            act.session.add(relief)

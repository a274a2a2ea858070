"""What an approved request changes: the member's status for its period, and its timers (the
period's start and end, and the yearly review of an open-ended exemption)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from conversations.exemption.rules import relieved_status
from conversations.requests import decisions, notices
from conversations.requests.act import Act
from storage.models import (
    Member,
    MemberStatus,
    ReliefKind,
    Request,
    RequestDecision,
    RequestStatus,
    Timer,
)
from storage.repos.timers import schedule
from storage.roster.reliefs import END, REVIEW, START  # the roster's import sets them too
from vocabulary.messages import Msg
from vocabulary.types import Outbound


def local_midnight(day: date, act: Act) -> datetime:
    """The start of `day` where the branch lives, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=act.settings.tz).astimezone(UTC)


def kind_label(request: Request) -> Msg:
    return Msg(f"exemption.kind.{request.kind}")


async def put_in_force(act: Act, request: Request) -> Msg:
    """An approval changes the member's status for its period; returns what the member is told."""
    member = await act.session.get(Member, request.member_id)
    if member is None:
        return Msg("exemption.effect.none")
    if request.kind == ReliefKind.RETURN:
        await _end_relief(act, request.related_id, member)
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


async def schedule_review(act: Act, request: Request, number: int) -> None:
    due = act.now + relativedelta(months=act.settings.exemption_review_months)
    await schedule(act.session, REVIEW, f"{REVIEW}:{request.id}:{number}", due, act.now,
                   request_id=request.id, number=number)


async def _end_relief(act: Act, request_id: int | None, member: Member) -> None:
    relief = await act.session.get(Request, request_id or 0)
    if relief is not None:
        await decisions.end(act, relief)
    if member.status in (MemberStatus.EXEMPTED, MemberStatus.REDUCED):
        member.status = MemberStatus.ACTIVE
        act.session.add(member)


async def restore(act: Act, request: Request, decision: RequestDecision) -> None:
    """Undo what an approval changed: the member's status, and a relief a return had ended."""
    member = await act.session.get(Member, request.member_id)
    before = decision.before.get("member_status")
    if member is not None and before:
        member.status = MemberStatus(before)
        act.session.add(member)
    if request.kind == ReliefKind.RETURN:
        relief = await act.session.get(Request, request.related_id or 0)
        if relief is not None and relief.status == RequestStatus.ENDED:
            relief.status = RequestStatus.APPROVED
            act.session.add(relief)


async def start(act: Act, timer: Timer) -> None:
    request = await act.session.get(Request, timer.payload["request_id"])
    member = await act.session.get(Member, request.member_id) if request else None
    if request is None or member is None or request.status != RequestStatus.APPROVED:
        return
    if member.status == MemberStatus.ACTIVE:
        member.status = relieved_status(request.kind)
        act.session.add(member)


async def end(act: Act, timer: Timer) -> None:
    """A fixed period is over: normal activity again, and the member and secretary are told."""
    request = await act.session.get(Request, timer.payload["request_id"])
    member = await act.session.get(Member, request.member_id) if request else None
    if request is None or member is None or not await decisions.end(act, request):
        return
    if member.status == relieved_status(request.kind):
        member.status = MemberStatus.ACTIVE
        act.session.add(member)
    act.out.append(Outbound(member.id or 0, [Msg("exemption.member.ended", number=request.id,
                                                 kind=kind_label(request))],
                            dedupe_key=timer.key))
    told = Msg("exemption.leaders.ended", name=member.full_name, kind=kind_label(request),
               end=request.ends_on)
    await notices.tell_leaders(act, request, member, told, timer.key)


async def review(act: Act, timer: Timer) -> None:
    """Once a year an open-ended exemption comes back to the secretary, to re-engage members."""
    request = await act.session.get(Request, timer.payload["request_id"])
    member = await act.session.get(Member, request.member_id) if request else None
    if request is None or member is None or request.status != RequestStatus.APPROVED \
            or request.ends_on is not None:
        return
    await notices.tell_leaders(act, request, member, Msg(
        "exemption.leaders.review", name=member.full_name, number=request.id,
        kind=kind_label(request), since=request.closed_at), timer.key)
    await schedule_review(act, request, timer.payload["number"] + 1)


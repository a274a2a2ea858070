"""The request timers: officer reminders and escalation, a period's start and end, yearly review,
reports to the committee above and the purge of old certificates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Msg
from bot.settings import Settings
from conversations.exemption import certificates, effects, notices, reports, routing
from conversations.exemption.act import Act
from conversations.exemption.rules import relieved_status
from conversations.officers import BRANCH_LEADERS
from conversations.types import Outbound
from storage.models import (
    ExemptionRequest,
    Member,
    MemberStatus,
    Organisation,
    RequestStatus,
    Timer,
)
from storage.repos import orgs, outbox

Job = Callable[[Act, Timer], Awaitable[None]]


async def _waiting(act: Act, timer: Timer) -> ExemptionRequest | None:
    """The request, if it is still waiting at the revision the timer was set for."""
    request = await act.session.get(ExemptionRequest, timer.payload["request_id"])
    if request is None or request.revision != timer.payload["revision"] \
            or request.status != RequestStatus.PENDING:
        return None
    return request


async def remind(act: Act, timer: Timer) -> None:
    request = await _waiting(act, timer)
    if request is not None:
        await notices.notify_deciders(
            act.session, act.settings, request, act.out,
            Msg("exemption.heading.reminder", since=request.stage_since), tag=":remind")


async def escalate(act: Act, timer: Timer) -> None:
    """Nobody acted for a week: the committee above the deciding level hears of it."""
    request = await _waiting(act, timer)
    org = await act.session.get(Organisation, request.stage_org_id or 0) if request else None
    if request is None or org is None:
        return
    _above, readers = await routing.committee_above(act.session, org, request.member_id)
    body = [Msg("exemption.heading.escalation", since=request.stage_since, org=org.name),
            *await notices.summary(act.session, request)]
    for reader in readers:
        act.out.append(Outbound(reader.id or 0, body, dedupe_key=f"{timer.key}:{reader.id}"))


async def start(act: Act, timer: Timer) -> None:
    request = await act.session.get(ExemptionRequest, timer.payload["request_id"])
    member = await act.session.get(Member, request.member_id) if request else None
    if request is None or member is None or request.status != RequestStatus.APPROVED:
        return
    if member.status == MemberStatus.ACTIVE:
        member.status = relieved_status(request.kind)
        act.session.add(member)


async def end(act: Act, timer: Timer) -> None:
    """A fixed period is over: normal activity again, and the member and secretary are told."""
    request = await act.session.get(ExemptionRequest, timer.payload["request_id"])
    member = await act.session.get(Member, request.member_id) if request else None
    if request is None or member is None or request.status != RequestStatus.APPROVED:
        return
    request.status, request.closed_at = RequestStatus.ENDED, act.now
    act.session.add(request)
    if member.status == relieved_status(request.kind):
        member.status = MemberStatus.ACTIVE
        act.session.add(member)
    act.audit("exemption.ended", request, to=request.status)
    act.out.append(Outbound(member.id or 0, [Msg("exemption.member.ended", number=request.id,
                                                 kind=Msg(f"exemption.kind.{request.kind}"))],
                            dedupe_key=timer.key))
    await _tell_leaders(act, request, member, Msg("exemption.leaders.ended", name=member.full_name,
                                                  kind=Msg(f"exemption.kind.{request.kind}"),
                                                  end=request.ends_on), timer.key)


async def review(act: Act, timer: Timer) -> None:
    """Once a year an open-ended exemption comes back to the secretary, to re-engage members."""
    request = await act.session.get(ExemptionRequest, timer.payload["request_id"])
    member = await act.session.get(Member, request.member_id) if request else None
    if request is None or member is None or request.status != RequestStatus.APPROVED \
            or request.ends_on is not None:
        return
    await _tell_leaders(act, request, member, Msg(
        "exemption.leaders.review", name=member.full_name, number=request.id,
        kind=Msg(f"exemption.kind.{request.kind}"), since=request.closed_at), timer.key)
    await effects.schedule_review(act, request, timer.payload["number"] + 1)


async def _tell_leaders(
    act: Act, request: ExemptionRequest, member: Member, body: Msg, key: str
) -> None:
    for _officer, leader in await orgs.holders(act.session, request.branch_id, BRANCH_LEADERS):
        if leader.id != member.id:
            act.out.append(Outbound(leader.id or 0, [body], dedupe_key=f"{key}:{leader.id}"))


async def report(act: Act, timer: Timer) -> None:
    await reports.send(act, timer)


JOBS: dict[str, Job] = {
    effects.REMIND: remind,
    effects.ESCALATE: escalate,
    effects.START: start,
    effects.END: end,
    effects.REVIEW: review,
    reports.REPORT: report,
    reports.DIGEST: report,
    certificates.PURGE: certificates.purge,
}


def timer_handlers(
    settings: Settings,
) -> dict[str, Callable[[AsyncSession, Timer, datetime], Awaitable[None]]]:
    """The handlers to register with the timer runner, one per kind."""

    def run(job: Job) -> Callable[[AsyncSession, Timer, datetime], Awaitable[None]]:
        async def handler(session: AsyncSession, timer: Timer, now: datetime) -> None:
            act = Act(session, settings, now)
            await job(act, timer)
            await outbox.enqueue(session, act.out, now)

        return handler

    return {kind: run(job) for kind, job in JOBS.items()}

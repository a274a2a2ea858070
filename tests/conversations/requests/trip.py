"""A request type that exists only in the tests: going away for a while, as the working-away
request will. It plugs into the workflow with its hooks alone, and covers what that request
needs: an acknowledge-only report, a second branch that confirms, an extension of an approved
request, a confirmed return, and a timer of its own.

Its texts are not in the catalogues (they render as their keys): only the workflow's are.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Msg
from bot.settings import Settings
from bot.timers import schedule
from conversations.registry import Registry
from conversations.requests import decisions
from conversations.requests.act import Act
from conversations.requests.capability import add_type
from conversations.requests.kinds import RequestType, Where, define
from conversations.types import Outbound
from storage.models import OfficerRole, Request, RequestStage, RequestStatus, Timer

NAME = "trip"
INFORM, TRANSFER, EXTEND, RETURN = "inform", "transfer", "extend", "return"
OVERDUE = "overdue"


def kind_label(request: Request) -> Msg:
    return Msg(f"trip.kind.{request.kind}")


async def lines(_session: AsyncSession, request: Request) -> list[Msg]:
    return [Msg("trip.where", place=request.detail.get("place", ""), until=request.ends_on)]


async def next_stage(_act: Act, request: Request) -> Where | None:
    if request.stage is None:
        acknowledged = request.kind in (INFORM, RETURN)
        return (RequestStage.ACK if acknowledged else RequestStage.BRANCH), request.branch_id
    if request.stage == RequestStage.BRANCH and request.other_org_id is not None:
        return RequestStage.CONFIRM, request.other_org_id
    return None


async def approve(act: Act, request: Request) -> Msg:
    """Away from the start date (the request in force is the away record); an extension moves
    the end of the one it extends; a return closes it."""
    related = await act.session.get(Request, request.related_id or 0)
    if request.kind == EXTEND and related is not None:
        related.ends_on = request.ends_on
        act.session.add(related)
        await _schedule_overdue(act, related)
        return Msg("trip.effect.extended", until=request.ends_on)
    if request.kind == RETURN and related is not None:
        await decisions.end(act, related)
        return Msg("trip.effect.back")
    await _schedule_overdue(act, request)
    return Msg("trip.effect.away", until=request.ends_on)


async def _schedule_overdue(act: Act, request: Request) -> None:
    if request.ends_on is not None:
        due = datetime.combine(request.ends_on, time(9), tzinfo=act.settings.tz).astimezone(UTC)
        key = f"{NAME}-{OVERDUE}:{request.id}"
        await schedule(act.session, f"{NAME}-{OVERDUE}", key, due, act.now,
                       request_id=request.id)


async def overdue(act: Act, timer: Timer) -> None:
    """The expected return date came while still away: the member is asked."""
    request = await act.session.get(Request, timer.payload["request_id"])
    if request is not None and request.status in (RequestStatus.APPROVED,
                                                  RequestStatus.ACKNOWLEDGED):
        act.out.append(Outbound(request.member_id, [Msg("trip.overdue", number=request.id)],
                                dedupe_key=f"{timer.key}:{request.ends_on}"))


def deciding_roles(_settings: Settings) -> tuple[OfficerRole, ...]:
    return (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY)


def report_head(count: int) -> Msg:
    return Msg("trip.report.head", count=count)


TRIP = define(RequestType(
    name=NAME, action="tr", kind_label=kind_label, lines=lines, next_stage=next_stage,
    approve=approve, deciding_roles=deciding_roles, report_head=report_head,
    jobs={OVERDUE: overdue}))


def register(registry: Registry) -> None:
    """The type's capability: the workflow needs only its buttons and timers."""
    add_type(registry, TRIP)

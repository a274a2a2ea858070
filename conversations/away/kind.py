"""Working away as a request type: what its requests say, who decides, what approval does."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.away import effects, timers
from conversations.away.rules import EXTEND, NAME, OTHER, RETURN, arrangement
from conversations.requests import routing
from conversations.requests.act import Act
from conversations.requests.kinds import RequestType, Where, define
from storage.models import (
    AwayArrangement,
    OfficerRole,
    Organisation,
    OrgKind,
    Request,
    RequestStage,
)
from storage.repos import orgs
from vocabulary.messages import Msg
from vocabulary.settings import Settings


def reason_line(request: Request) -> Msg:
    if request.reason == OTHER and request.reason_text:
        return Msg("away.reason.other_text", text=request.reason_text)
    return Msg(f"away.reason.{request.reason}")


def period_line(request: Request) -> Msg:
    if request.ends_on is None:
        return Msg("away.summary.since_unsure", start=request.starts_on)
    return Msg("away.summary.period", start=request.starts_on, end=request.ends_on)


async def lines(session: AsyncSession, request: Request) -> list[Msg]:
    """Its fields; the receiving chi bo sees only the dates and the contact (name is above)."""
    detail = request.detail
    phone = [Msg("away.summary.phone", phone=detail["phone"])] if detail.get("phone") else []
    if request.stage == RequestStage.CONFIRM:
        return [period_line(request), *phone]
    if request.kind == RETURN:
        found = [Msg("away.summary.back_on", day=request.starts_on)]
        if request.attachment:
            found.append(Msg("away.summary.comment_attached"))
        elif request.attachment_at_meeting:
            found.append(Msg("away.summary.comment_at_meeting"))
        return found
    if request.kind == EXTEND:
        return [Msg("away.summary.extend", arrangement=Msg(f"away.kind.{arrangement(request)}"),
                    previous=date.fromisoformat(detail["previous_end"])
                    if detail.get("previous_end") else Msg("away.summary.unsure"),
                    end=request.ends_on)]
    found = [Msg("away.summary.place", place=detail.get("place", "")),
             Msg("away.summary.reason", reason=reason_line(request)), period_line(request),
             *phone]
    if request.kind == AwayArrangement.TRANSFER:
        host = await session.get(Organisation, request.other_org_id or 0)
        found.append(Msg("away.summary.host", host=host.name if host else
                         detail.get("host_name", "")))
        if request.stage == RequestStage.BRANCH:
            found.append(Msg("away.transfer.checklist"))
    return found


def deciding_roles(settings: Settings) -> tuple[OfficerRole, ...]:
    return tuple(OfficerRole(role) for role in settings.exemption_deciding_roles)


async def next_stage(act: Act, request: Request) -> Where | None:
    kind = arrangement(request)
    if request.stage is None:
        informing = request.kind == RETURN or kind == AwayArrangement.INFORM
        return (RequestStage.ACK if informing else RequestStage.BRANCH), request.branch_id
    if request.stage != RequestStage.BRANCH:
        return None
    if kind == AwayArrangement.TRANSFER and request.kind != EXTEND and request.other_org_id:
        return RequestStage.CONFIRM, request.other_org_id
    if kind != AwayArrangement.SUSPEND:
        return None
    upper = await _base_committee(act, request)
    if upper is None or await routing.stands_in_above(act.session, request, act.settings, upper):
        return None
    return RequestStage.UPPER, upper.id or 0


async def _base_committee(act: Act, request: Request) -> Organisation | None:
    """The base committee that grants tam mien; None when the chi bo is the base itself."""
    branch = await act.session.get(Organisation, request.branch_id)
    if branch is None or branch.kind == OrgKind.BASE_BRANCH:
        return None
    for above in await orgs.ancestors(act.session, branch):
        if above.kind == OrgKind.BASE_COMMITTEE:
            return above
    return None


def report_head(count: int) -> Msg:
    return Msg("away.report.head", count=count)


AWAY = define(RequestType(
    name=NAME, action="aw", kind_label=effects.kind_label, lines=lines, next_stage=next_stage,
    approve=effects.put_in_force, deciding_roles=deciding_roles, report_head=report_head,
    restore=effects.restore, jobs=timers.JOBS))

"""Who decides an exemption request at each stage: the managing committee's consent for a
retired cadre, the chi bo, then the base committee for a fixed period (Statute Art. 7)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.exemption.rules import is_fixed_period
from conversations.requests import routing
from conversations.requests.act import Act
from conversations.requests.kinds import Where
from storage.models import (
    Member,
    OfficerRole,
    Organisation,
    OrgKind,
    ReliefKind,
    Request,
    RequestStage,
)
from storage.repos import orgs
from vocabulary.messages import Msg
from vocabulary.settings import Settings


def deciding_roles(settings: Settings) -> tuple[OfficerRole, ...]:
    return tuple(OfficerRole(role) for role in settings.exemption_deciding_roles)


async def next_stage(act: Act, request: Request) -> Where | None:
    if request.stage is None:
        member = await act.session.get(Member, request.member_id)
        # The managing body's consent is asked before relief, not before a return to activity.
        consent = act.settings.retired_cadre_consent_required and bool(
            member and member.is_retired_cadre) and request.kind != ReliefKind.RETURN
        return (RequestStage.CONSENT if consent else RequestStage.BRANCH), request.branch_id
    if request.stage == RequestStage.CONSENT:
        return RequestStage.BRANCH, request.branch_id
    if request.stage != RequestStage.BRANCH:
        return None
    upper = await upper_org(act.session, act.settings, request)
    if upper is None or await routing.stands_in_above(act.session, request, act.settings, upper):
        return None
    return RequestStage.UPPER, upper.id or 0


async def upper_org(
    session: AsyncSession, settings: Settings, request: Request
) -> Organisation | None:
    """Where a branch's agreement goes next, or None when the branch's decision is final."""
    if not is_fixed_period(request):
        return None
    return await deciding_committee(session, settings, request.branch_id)


async def deciding_committee(
    session: AsyncSession, settings: Settings, branch_id: int
) -> Organisation | None:
    """The base committee that decides this branch's fixed-period cases, or None when the
    branch decides them itself (a chi bo co so, or the setting says so)."""
    if not settings.exemption_fixed_period_upper:
        return None
    branch = await session.get(Organisation, branch_id)
    if branch is None or branch.kind == OrgKind.BASE_BRANCH:
        return None  # a chi bo co so is itself the base organisation
    for above in await orgs.ancestors(session, branch):
        if above.kind == OrgKind.BASE_COMMITTEE:
            return above
    return None


async def stage_rule(session: AsyncSession, settings: Settings, request: Request) -> Msg:
    """At the branch stage a fixed-period case is considered and proposed, not decided."""
    if request.stage == RequestStage.BRANCH:
        upper = await upper_org(session, settings, request)
        if upper is not None and not await routing.stands_in_above(session, request, settings,
                                                                   upper):
            return Msg("exemption.rule.officer.branch_proposes", org=upper.name)
    if request.stage == RequestStage.UPPER:
        org = await session.get(Organisation, request.stage_org_id or 0)
        return Msg("exemption.rule.officer.upper", org=org.name if org else "")
    return Msg(f"request.rule.officer.{request.stage}")


def routing_rule(upper: Organisation | None) -> Msg:
    """What the member is told about who decides a fixed-period case."""
    if upper is None:
        return Msg("exemption.rule.branch_decides")
    return Msg("exemption.rule.branch_proposes", org=upper.name)

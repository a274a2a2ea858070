"""Who decides an exemption request at each stage: the managing committee's consent for a
retired cadre, the chi bo, then the base committee for a fixed period (Statute Art. 7)."""

from __future__ import annotations

from bot.settings import Settings
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
    upper = await upper_org(act, request)
    if upper is None or await routing.stands_in_above(act.session, request, act.settings, upper):
        return None
    return RequestStage.UPPER, upper.id or 0


async def upper_org(act: Act, request: Request) -> Organisation | None:
    """Where a branch's agreement goes next, or None when the branch's decision is final."""
    if not is_fixed_period(request) or not act.settings.exemption_fixed_period_upper:
        return None
    branch = await act.session.get(Organisation, request.branch_id)
    if branch is None or branch.kind == OrgKind.BASE_BRANCH:
        return None  # a chi bo co so is itself the base organisation
    for above in await orgs.ancestors(act.session, branch):
        if above.kind == OrgKind.BASE_COMMITTEE:
            return above
    return None

"""Who acts on a request at each stage, found from the tree and the roles held right now."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings
from conversations.exemption.rules import is_fixed_period
from storage.models import (
    ExemptionRequest,
    Member,
    OfficerRole,
    Organisation,
    OrgKind,
    RequestStage,
)
from storage.repos import orgs

UPPER_ROLES = (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY,
               OfficerRole.BASE_COMMITTEE_MEMBER)
COMMITTEE_ROLES = (OfficerRole.BASE_COMMITTEE_MEMBER, OfficerRole.SECRETARY,
                   OfficerRole.DEPUTY_SECRETARY)


def branch_roles(settings: Settings) -> tuple[OfficerRole, ...]:
    return tuple(OfficerRole(role) for role in settings.exemption_deciding_roles)


async def deciders(
    session: AsyncSession, request: ExemptionRequest, settings: Settings
) -> list[Member]:
    """The officers who may act now; never the member the request is about."""
    if request.stage is None or request.stage_org_id is None:
        return []
    roles = UPPER_ROLES if request.stage == RequestStage.UPPER else branch_roles(settings)
    found = await holders(session, request.stage_org_id, roles, request.member_id)
    if found or request.stage == RequestStage.UPPER:
        return found
    # A leader's own request, or a branch without leaders: the committee above decides.
    org = await session.get(Organisation, request.stage_org_id)
    return (await committee_above(session, org, request.member_id))[1] if org else []


async def committee_above(
    session: AsyncSession, org: Organisation, exclude: int | None = None
) -> tuple[Organisation | None, list[Member]]:
    """The nearest organisation above `org` with committee members recorded, and them."""
    for above in await orgs.ancestors(session, org):
        found = await holders(session, above.id or 0, COMMITTEE_ROLES, exclude)
        if found:
            return above, found
    return None, []


async def upper_org(
    session: AsyncSession, request: ExemptionRequest, settings: Settings
) -> Organisation | None:
    """Where a branch's agreement goes next, or None when the branch's decision is final."""
    if not is_fixed_period(request) or not settings.exemption_fixed_period_upper:
        return None
    branch = await session.get(Organisation, request.branch_id)
    if branch is None or branch.kind == OrgKind.BASE_BRANCH:
        return None  # a chi bo co so is itself the base organisation
    for above in await orgs.ancestors(session, branch):
        if above.kind == OrgKind.BASE_COMMITTEE:
            return above
    return None


async def holders(
    session: AsyncSession, org_id: int, roles: tuple[OfficerRole, ...], exclude: int | None
) -> list[Member]:
    seen: dict[int, Member] = {}
    for _officer, member in await orgs.holders(session, org_id, roles):
        if member.id != exclude:
            seen.setdefault(member.id or 0, member)
    return list(seen.values())

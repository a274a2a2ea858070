"""Who acts on a request at each stage, found from the tree and the roles held right now."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.requests import kinds
from storage import org_tree
from storage.models import Member, OfficerRole, Organisation, Request, RequestStage
from storage.repos import orgs
from vocabulary.settings import Settings

UPPER_ROLES = (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY,
               OfficerRole.BASE_COMMITTEE_MEMBER)
COMMITTEE_ROLES = org_tree.COMMITTEE_ROLES  # they receive a branch's reports


async def deciders(session: AsyncSession, request: Request, settings: Settings) -> list[Member]:
    """The officers who may act now; never the member the request is about."""
    if request.stage is None or request.stage_org_id is None:
        return []
    upper = request.stage == RequestStage.UPPER
    roles = UPPER_ROLES if upper else kinds.of(request).deciding_roles(settings)
    found = await holders(session, request.stage_org_id, roles, request.member_id)
    if found or upper:
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


async def stands_in_above(
    session: AsyncSession, request: Request, settings: Settings, upper: Organisation
) -> bool:
    """Whether `upper` already acted in place of a branch without other leaders."""
    roles = kinds.of(request).deciding_roles(settings)
    if await holders(session, request.branch_id, roles, request.member_id):
        return False
    branch = await session.get(Organisation, request.branch_id)
    standing_in, _ = await committee_above(session, branch, request.member_id) if branch \
        else (None, [])
    return standing_in is not None and standing_in.id == upper.id


async def holders(
    session: AsyncSession, org_id: int, roles: tuple[OfficerRole, ...], exclude: int | None
) -> list[Member]:
    seen: dict[int, Member] = {}
    for _officer, member in await orgs.holders(session, org_id, roles):
        if member.id != exclude:
            seen.setdefault(member.id or 0, member)
    return list(seen.values())

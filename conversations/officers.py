"""Who a member's officers are, and which members an officer looks after (from the tree)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, Officer, OfficerRole, Organisation
from storage.phones import display_phone
from storage.repos import orgs
from vocabulary.messages import Msg

BRANCH_LEADERS = (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY)
# Roles that let an officer issue invite codes for the members below his/her organisation.
STEWARD_ROLES = (*BRANCH_LEADERS, OfficerRole.BASE_COMMITTEE_MEMBER)


async def help_contacts(session: AsyncSession, member: Member) -> list[tuple[Officer, Member]]:
    """The people a member can always call: the branch's leaders and his/her group leader."""
    found = await orgs.holders(session, member.branch_id, BRANCH_LEADERS)
    if member.group_id is not None:
        found += await orgs.holders(session, member.group_id, (OfficerRole.GROUP_LEADER,))
    others = [(o, m) for o, m in found if m.id != member.id]
    return others or await _committee_above(session, member)


async def _committee_above(session: AsyncSession, member: Member) -> list[tuple[Officer, Member]]:
    """For a branch's own leaders: the nearest committee above whose members are recorded."""
    branch = await session.get(Organisation, member.branch_id)
    for org in await orgs.ancestors(session, branch) if branch else []:
        found = await orgs.holders(session, org.id or 0, (OfficerRole.BASE_COMMITTEE_MEMBER,))
        if found:
            return found
    return []


def contact_lines(contacts: list[tuple[Officer, Member]], region: str) -> list[Msg]:
    """'Branch secretary: NAME – PHONE' lines, so a person is always reachable."""
    return [
        Msg("help.officer_line", role=Msg(f"role.{officer.role}"), name=member.full_name,
            phone=display_phone(member.phone, region) or Msg("common.no_phone"))
        for officer, member in contacts
    ]


async def subtree_ids(session: AsyncSession, root_id: int) -> set[int]:
    found, frontier = {root_id}, [root_id]
    while frontier:
        query = select(Organisation.id).where(Organisation.parent_id.in_(frontier))  # type: ignore[union-attr]
        frontier = [i for i in (await session.exec(query)).all() if i not in found]
        found.update(frontier)
    return found


async def stewarded_org_ids(session: AsyncSession, officer: Member) -> set[int]:
    """Organisations whose members this officer may issue invite codes for."""
    result: set[int] = set()
    for role in await orgs.roles_of(session, officer.id or 0):
        if role.role in STEWARD_ROLES:
            result |= await subtree_ids(session, role.org_id)
    return result


async def is_steward(session: AsyncSession, member: Member) -> bool:
    return any(r.role in STEWARD_ROLES for r in await orgs.roles_of(session, member.id or 0))


async def roles_in(
    session: AsyncSession, member: Member, roles: tuple[OfficerRole, ...]
) -> list[Officer]:
    """The member's current roles among `roles`."""
    return [r for r in await orgs.roles_of(session, member.id or 0) if r.role in roles]

"""Which chi bo an officer may see: his/her own, or those under his/her committee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.officers import subtree_ids
from storage.models import Member, OfficerRole, Organisation, OrgKind
from storage.repos import orgs
from vocabulary.settings import Settings

BRANCH_ROLES = (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY,
                OfficerRole.COMMITTEE_MEMBER)
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.BASE_BRANCH)


@dataclass(frozen=True)
class Scope:
    """What one list, rate or file covers: these chi bo, as of `today`."""

    branch_ids: tuple[int, ...]
    today: date
    settings: Settings


async def branches_in_reach(session: AsyncSession, member: Member | None) -> list[Organisation]:
    """The chi bo whose data this member may see, by the roles held now (by name)."""
    if member is None:
        return []
    ids: set[int] = set()
    for role in await orgs.roles_of(session, member.id or 0):
        if role.role in BRANCH_ROLES:
            ids.add(role.org_id)
        elif role.role == OfficerRole.BASE_COMMITTEE_MEMBER:
            ids |= await subtree_ids(session, role.org_id)
    if not ids:
        return []
    query = (select(Organisation).where(col(Organisation.id).in_(sorted(ids)),
                                        col(Organisation.kind).in_(BRANCH_KINDS))
             .order_by(col(Organisation.name), col(Organisation.id)))
    return list((await session.exec(query)).all())


async def may_see(session: AsyncSession, member: Member | None, branch_ids: set[int]) -> bool:
    """Checked again on every step: a role may have ended since the list was shown."""
    reach = {b.id for b in await branches_in_reach(session, member)}
    return bool(branch_ids) and branch_ids <= reach

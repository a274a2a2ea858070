"""Who may plan a meeting and mark its attendance: the chi bo's secretary or deputy, and
for a to dang's meeting its group leader too."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.context import Ctx
from conversations.officers import BRANCH_LEADERS
from storage.models import Meeting, Member, OfficerRole, Organisation, OrgKind
from storage.repos import orgs


async def managed(session: AsyncSession, member: Member) -> list[Organisation]:
    """The chi bo (and their to dang) and the to dang whose meetings this member runs."""
    found: dict[int, Organisation] = {}
    for role in await orgs.roles_of(session, member.id or 0):
        org = await session.get(Organisation, role.org_id)
        if org is None:
            continue
        if role.role in BRANCH_LEADERS and OrgKind(org.kind).is_branch:
            found[org.id or 0] = org
            groups = await session.exec(select(Organisation).where(
                Organisation.parent_id == org.id, Organisation.kind == OrgKind.GROUP))
            found.update({g.id or 0: g for g in groups.all()})
        elif role.role == OfficerRole.GROUP_LEADER and org.kind == OrgKind.GROUP:
            found[org.id or 0] = org
    return sorted(found.values(), key=lambda o: (o.kind != OrgKind.BRANCH and
                                                 o.kind != OrgKind.BASE_BRANCH, o.id or 0))


async def may_manage(session: AsyncSession, member: Member, org_id: int) -> bool:
    return any(org.id == org_id for org in await managed(session, member))


async def run_by(ctx: Ctx, meeting_id: int | None) -> Meeting | None:
    """The meeting, if the member in this chat may run it (checked again at every step, so a
    press from another chat or after losing the office changes nothing)."""
    if ctx.member is None or not meeting_id:
        return None
    meeting = await ctx.session.get(Meeting, meeting_id)
    if meeting is None or not await may_manage(ctx.session, ctx.member, meeting.org_id):
        return None
    return meeting


async def leaders(session: AsyncSession, org: Organisation) -> list[Member]:
    """Whom a meeting's warnings go to: the chi bo's leaders (and the group leader)."""
    branch_id = org.parent_id if org.kind == OrgKind.GROUP and org.parent_id else org.id or 0
    people = [m for _o, m in await orgs.holders(session, branch_id, BRANCH_LEADERS)]
    if org.kind == OrgKind.GROUP:
        people += [m for _o, m in await orgs.holders(session, org.id or 0,
                                                     (OfficerRole.GROUP_LEADER,))]
    unique = {m.id: m for m in people}
    return [unique[i] for i in sorted(unique, key=lambda i: i or 0)]


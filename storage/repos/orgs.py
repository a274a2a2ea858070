"""The organisation tree and who holds which role in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Member, Officer, OfficerRole, Organisation

ROLES_KEY = "roles_of"
_ROLES_OF = select(Officer).where(Officer.member_id == bindparam("member"),
                                  col(Officer.ended_at).is_(None))
_HOLDERS = (select(Officer, Member)  # built once: the help reply asks for every member
            .join(Member, col(Member.id) == Officer.member_id)
            .where(Officer.org_id == bindparam("org"),
                   col(Officer.role).in_(bindparam("roles", expanding=True)),
                   col(Officer.ended_at).is_(None)))


async def by_code(session: AsyncSession, code: str) -> Organisation | None:
    return (await session.exec(select(Organisation).where(Organisation.code == code))).first()


async def ancestors(session: AsyncSession, org: Organisation) -> list[Organisation]:
    """The organisations above `org`, nearest first (the tree may have any depth)."""
    chain: list[Organisation] = []
    parent_id = org.parent_id
    while parent_id is not None:
        parent = await session.get(Organisation, parent_id)
        if parent is None or parent in chain:
            break
        chain.append(parent)
        parent_id = parent.parent_id
    return chain


async def children(session: AsyncSession, org_id: int | None) -> list[Organisation]:
    query = select(Organisation).where(Organisation.parent_id == org_id).order_by(Organisation.name)
    return list((await session.exec(query)).all())


async def holders(
    session: AsyncSession, org_id: int, roles: tuple[OfficerRole, ...]
) -> list[tuple[Officer, Member]]:
    """Current holders of `roles` in the organisation, in the order the roles are given."""
    found = await session.exec(_HOLDERS, params={"org": org_id, "roles": list(roles)})
    rows = list(found.all())
    return sorted(rows, key=lambda row: (roles.index(row[0].role), row[1].full_name))


async def roles_of(session: AsyncSession, member_id: int) -> list[Officer]:
    """The member's current roles; read once per transaction (menus ask several times)."""
    known: dict[int, list[Officer]] = session.info.setdefault(ROLES_KEY, {})
    if member_id not in known:
        found = await session.exec(_ROLES_OF, params={"member": member_id})
        known[member_id] = list(found.all())
    return list(known[member_id])


def note_no_roles(session: AsyncSession, member_id: int) -> None:
    """The member holds no role now (read with his/her account): `roles_of` need not ask."""
    session.info.setdefault(ROLES_KEY, {})[member_id] = []


def _forget_roles(session: AsyncSession, member_id: int) -> None:
    session.info.get(ROLES_KEY, {}).pop(member_id, None)


async def assign(
    session: AsyncSession, org: Organisation, member: Member, role: OfficerRole, now: datetime
) -> Officer | None:
    """Give `member` the role; None when he/she already holds it."""
    for held in await roles_of(session, member.id or 0):
        if held.org_id == org.id and held.role == role:
            return None
    officer = Officer(org_id=org.id or 0, member_id=member.id or 0, role=role, started_at=now)
    session.add(officer)
    _forget_roles(session, member.id or 0)
    await session.flush()
    return officer


async def revoke(
    session: AsyncSession, org: Organisation, member: Member, role: OfficerRole, now: datetime
) -> bool:
    for held in await roles_of(session, member.id or 0):
        if held.org_id == org.id and held.role == role:
            held.ended_at = now
            session.add(held)
            _forget_roles(session, member.id or 0)
            return True
    return False

"""Small organisations and members for tests, written straight to the database."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.settings import Settings
from storage.db import Database
from storage.models import ChatAccount, Member, Officer, OfficerRole, Organisation, OrgKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def org(db: Database, code: str, kind: OrgKind, parent: Organisation | None = None,
              name: str | None = None) -> Organisation:
    async with db.session() as session:
        item = Organisation(code=code, name=name or f"Chi bộ {code}", kind=kind,
                            parent_id=parent.id if parent else None)
        session.add(item)
        await session.flush()
        return item


async def member(db: Database, roster_id: str, name: str, branch: Organisation,
                 phone: str | None = None, **extra: object) -> Member:
    async with db.session() as session:
        item = Member(roster_id=roster_id, full_name=name, branch_id=branch.id or 0, phone=phone,
                      created_at=T0, updated_at=T0, **extra)
        session.add(item)
        await session.flush()
        return item


async def role(db: Database, who: Member, where: Organisation, role: OfficerRole) -> None:
    async with db.session() as session:
        session.add(Officer(org_id=where.id or 0, member_id=who.id or 0, role=role, started_at=T0))


async def link(db: Database, who: Member, chat_id: str, channel: str = "terminal") -> None:
    """A chat account already proven to be the member's (as after registration)."""
    async with db.session() as session:
        session.add(ChatAccount(channel=channel, user_id=chat_id, chat_id=chat_id,
                                member_id=who.id or 0, linked_at=T0, last_seen_at=T0,
                                consent_version=Settings.model_fields["consent_version"].default))

"""Benchmark data: one branch of members, each already linked to a Telegram chat."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.settings import Settings
from storage import migrate
from storage.db import Database
from storage.models import ChatAccount, Member, Organisation, OrgKind

CONSENTED = Settings.model_fields["consent_version"].default  # no consent asked again

FIRST_USER = 500_000  # Telegram user (and chat) id of the first member


async def seed_linked_members(db: Database, count: int) -> list[int]:
    """Migrate, then add `count` members linked to chats FIRST_USER...; returns member ids."""
    await migrate.upgrade(db)
    at = datetime.now(UTC)
    async with db.session() as session:
        branch = Organisation(code="CB", name="Chi bo", kind=OrgKind.BRANCH)
        session.add(branch)
        await session.flush()
        people = [Member(roster_id=f"B{i:05}", full_name=f"Member {i}",
                         branch_id=branch.id or 0, created_at=at, updated_at=at, language="vi")
                  for i in range(count)]
        session.add_all(people)
        await session.flush()
        session.add_all([ChatAccount(channel="telegram", user_id=str(FIRST_USER + i),
                                     chat_id=str(FIRST_USER + i), member_id=m.id or 0,
                                     linked_at=at, last_seen_at=at,
                                     consent_version=CONSENTED)
                         for i, m in enumerate(people)])
        return [m.id or 0 for m in people]

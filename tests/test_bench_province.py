"""The benches' province generator writes the shape they rely on, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.province import seed_province
from storage.db import Database
from storage.models import AwayRecord, ChatAccount, Member, Officer, Organisation, Request


async def test_the_generated_province_has_its_members_secretaries_reliefs_and_away(
        db: Database) -> None:
    province = await seed_province(db, branches=60, per_branch=10)
    again = await seed_province(db, branches=60, per_branch=10)
    async with db.session() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
        chats = await session.scalar(select(func.count()).select_from(ChatAccount))
        secretaries = await session.scalar(select(func.count()).select_from(Officer))
        reliefs = await session.scalar(select(func.count()).select_from(Request))
        away = await session.scalar(select(func.count(func.distinct(AwayRecord.member_id))))
        statuses = set((await session.scalars(select(Member.status).distinct())).all())
        branch = await session.get(Member, province.first_member_id + 25)
        committees = await session.scalar(select(func.count()).select_from(Organisation)
                                          .where(Organisation.kind == "base_committee"))
    assert again == province  # generated once, then found
    assert (members, chats, secretaries, committees) == (600, 600, 60, 3)
    assert reliefs == 90  # 15% reduced or exempted
    # 5% away, as the app records it (its own record; nothing sets member.status 'away').
    assert away == 30
    assert statuses == {"active", "reduced", "exempted"}
    assert branch is not None
    assert branch.branch_id == province.branch_of(branch.id or 0)

"""The benches' province generator writes the shape they rely on, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.province import seed_province
from storage.db import Database
from storage.models import ChatAccount, Member, Officer, Organisation, Request


async def test_the_generated_province_has_its_members_secretaries_and_reliefs(
        db: Database) -> None:
    province = await seed_province(db, branches=60, per_branch=10)
    again = await seed_province(db, branches=60, per_branch=10)
    async with db.session() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
        chats = await session.scalar(select(func.count()).select_from(ChatAccount))
        secretaries = await session.scalar(select(func.count()).select_from(Officer))
        reliefs = await session.scalar(select(func.count()).select_from(Request))
        branch = await session.get(Member, province.first_member_id + 25)
        committees = await session.scalar(select(func.count()).select_from(Organisation)
                                          .where(Organisation.kind == "base_committee"))
    assert again == province  # generated once, then found
    assert (members, chats, secretaries, committees) == (600, 600, 60, 3)
    assert reliefs == 90  # 15% reduced or exempted
    assert branch is not None
    assert branch.branch_id == province.branch_of(branch.id or 0)

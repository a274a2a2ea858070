"""An officer sees only his/her own chi bộ; a base committee member those under the committee."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from conversations.desk.scope import branches_in_reach, may_see
from storage.db import Database
from storage.models import Member, Officer
from tests.conversations.desk.conftest import Desk, open_desk, reach
from tests.support import Chat


async def _member(db: Database, roster_id: str) -> Member:
    async with db.session() as session:
        return (await session.exec(select(Member).where(Member.roster_id == roster_id))).one()


async def test_reach_follows_the_roles_held(db: Database, desk: Desk) -> None:
    secretary, base, plain = [await _member(db, r) for r in ("S-001", "B-001", "M-007")]
    both = {desk.a.id or 0, desk.b.id or 0}
    async with db.session() as session:
        assert [b.code for b in await branches_in_reach(session, secretary)] == ["CB-BM"]
        assert [b.code for b in await branches_in_reach(session, base)] == ["CB-BM", "CB-TH"]
        assert await branches_in_reach(session, plain) == []
        assert not await may_see(session, secretary, both)
        assert await may_see(session, base, both)


async def test_a_member_without_a_role_gets_no_desk(chat: Chat, desk: Desk) -> None:
    await chat.say(desk.plain, "/menu")
    labels = " ".join(label for _id, label in chat.last_choices(desk.plain))
    assert "Việc của cấp ủy" not in labels
    assert "Chỉ cấp ủy của chi bộ" in await chat.say(desk.plain, "/desk")


async def test_another_chi_bos_secretary_sees_only_his_own(chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec_b)
    shown = await chat.tap(desk.sec_b, await reach(chat, desk.sec_b, "giảm, miễn công tác"))
    assert "Không có ai." in shown
    assert "Trần Thị Mai" not in shown
    labels = [label for _id, label in chat.last_choices(desk.sec_b)]
    assert "Chọn chi bộ khác" not in labels
    rates = await chat.tap(desk.sec_b, await reach(chat, desk.sec_b, "Tỷ lệ giảm, miễn"))
    assert "Bình Minh" not in rates


async def test_a_role_ended_since_the_menu_was_shown_is_refused(
        chat: Chat, desk: Desk, db: Database) -> None:
    await open_desk(chat, desk.sec)
    choice = await reach(chat, desk.sec, "giảm, miễn công tác")
    secretary = await _member(db, "S-001")
    async with db.session() as session:
        role = (await session.exec(select(Officer).where(
            Officer.member_id == secretary.id))).one()
        role.ended_at = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
        session.add(role)
    shown = await chat.tap(desk.sec, choice)
    assert "Chỉ cấp ủy của chi bộ" in shown
    assert "Trần Thị Mai" not in shown


async def test_a_chi_bo_outside_the_committee_cannot_be_picked(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.base_member)
    genuine = await reach(chat, desk.base_member, "Bình Minh")
    forged = genuine.replace(str(desk.a.id), str((desk.a.id or 0) + 1000))
    assert forged != genuine
    shown = await chat.tap(desk.base_member, forged)
    assert "Trần Thị Mai" not in shown
    assert "chi bộ nào" in shown  # asked again

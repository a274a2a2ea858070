"""Rates per chi bộ and đảng bộ against the average, from the monthly summaries."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from conversations.desk.rates import recount
from storage.db import Database
from storage.models import AwayArrangement, AwayRecord, BranchMonth, Member, MemberStatus
from tests.conversations.desk.conftest import Desk, open_desk, reach
from tests.support import Chat, FakeClock


async def test_the_secretary_sees_the_rate_against_the_dang_bo_and_the_average(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    shown = await chat.tap(desk.sec, await reach(chat, desk.sec, "Tỷ lệ giảm, miễn"))
    assert "tháng 11/2026" in shown
    assert "Chi bộ ấp Bình Minh: 3/10 đảng viên = 30,0% (giảm 1, miễn 2)" in shown
    assert "Đảng bộ xã An Hòa (cả đảng bộ): 3/16 = 18,8%" in shown
    assert "Bình quân toàn đảng bộ: 3/16 = 18,8%" in shown
    assert "Tân Hòa" not in shown  # another chi bộ's own line is not the secretary's


async def test_members_away_on_tam_mien_are_counted_apart_from_the_rate(
        chat: Chat, desk: Desk, db: Database, clock: FakeClock) -> None:
    today = clock().date()
    async with db.session() as session:
        for member, arrangement in ((desk.unlinked, AwayArrangement.SUSPEND),
                                    (desk.reduced, AwayArrangement.INFORM)):
            session.add(AwayRecord(member_id=member.id or 0, branch_id=member.branch_id,
                                   arrangement=arrangement, place="Bình Dương", reason="work",
                                   starts_on=today - timedelta(days=5), last_contact_at=clock(),
                                   created_at=clock()))
    await open_desk(chat, desk.sec)
    shown = await chat.tap(desk.sec, await reach(chat, desk.sec, "Tỷ lệ giảm, miễn"))
    assert "3/10 đảng viên = 30,0%" in shown
    assert "tạm miễn sinh hoạt (tính riêng): 1" in shown


async def test_figures_are_kept_per_month_and_counted_again_by_the_periodic_job(
        chat: Chat, desk: Desk, db: Database, clock: FakeClock) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "Tỷ lệ giảm, miễn"))
    async with db.session() as session:
        member = await session.get(Member, desk.reduced.id)
        member.status = MemberStatus.ACTIVE
        session.add(member)
    clock.advance(minutes=90)  # the kept figures: an officer's request never counts them
    shown = await chat.tap(desk.sec, await reach(chat, desk.sec, "Tỷ lệ giảm, miễn"))
    assert "3/10 đảng viên" in shown
    await recount(db, chat.settings, clock)  # the periodic job
    shown = await chat.tap(desk.sec, await reach(chat, desk.sec, "Tỷ lệ giảm, miễn"))
    assert "Chi bộ ấp Bình Minh: 2/10 đảng viên = 20,0% (giảm 0, miễn 2)" in shown
    clock.advance(days=20)  # December: a new month's row, November's kept
    shown = await chat.tap(desk.sec, await reach(chat, desk.sec, "Tỷ lệ giảm, miễn"))
    assert "tháng 12/2026" in shown
    assert "2/10 đảng viên = 20,0% (giảm 0, miễn 2)" in shown
    async with db.session() as session:
        rows = (await session.exec(select(BranchMonth).where(
            BranchMonth.branch_id == desk.a.id))).all()
    assert sorted((r.month, r.reduced + r.exempted) for r in rows) == [
        (date(2026, 11, 1), 2), (date(2026, 12, 1), 2)]


async def test_a_base_committee_member_sees_every_chi_bo_under_the_committee(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.base_member)
    await chat.tap(desk.base_member, await reach(chat, desk.base_member, "Tất cả"))
    shown = await chat.tap(desk.base_member, await reach(chat, desk.base_member,
                                                            "Tỷ lệ giảm, miễn"))
    assert "Chi bộ ấp Bình Minh: 3/10" in shown
    assert "Chi bộ ấp Tân Hòa: 0/6 đảng viên = 0,0%" in shown

"""A secretary gets the chi bộ's lists in chat; a base committee member drills down."""

from __future__ import annotations

from storage.db import Database
from storage.repos import audit
from tests.conversations.desk.conftest import Desk, open_desk, reach
from tests.support import Chat


async def test_the_secretary_sees_who_is_relieved_with_period_and_next_review(
        chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    shown = await chat.tap(desk.sec, await reach(chat, desk.sec, "giảm, miễn công tác"))
    assert "Đảng viên được giảm, miễn công tác và sinh hoạt đảng: 3" in shown
    assert "Trần Thị Mai · miễn · 01/03/2026 · không thời hạn · 01/03/2027" in shown
    assert "Đỗ Văn Long · miễn · 01/09/2026 · 28/02/2027 · -" in shown
    assert "Ngô Thị Hạnh · giảm · 01/06/2026 · không thời hạn · 01/06/2027" in shown
    assert "Lý Văn Tâm" not in shown


async def test_members_not_linked_and_unreachable_are_listed(chat: Chat, desk: Desk) -> None:
    await open_desk(chat, desk.sec)
    unlinked = await chat.tap(desk.sec, await reach(chat, desk.sec, "chưa kết nối"))
    assert "Lý Văn Tâm · M-005" in unlinked
    assert "Đã chuyển đi" not in unlinked  # left the chi bộ
    assert "Trần Thị Mai" not in unlinked
    unreachable = await chat.tap(desk.sec, await reach(chat, desk.sec, "không gửi tin được"))
    assert "Phan Thị Út · 05/10/2026" in unreachable
    assert "Lý Văn Tâm" not in unreachable


async def test_every_list_shown_is_audited(chat: Chat, desk: Desk, db: Database) -> None:
    await open_desk(chat, desk.sec)
    await chat.tap(desk.sec, await reach(chat, desk.sec, "chưa kết nối"))
    async with db.session() as session:
        entries = await audit.entries(session, "desk.list")
    assert [(e.subject_id, e.detail["section"], e.detail["rows"]) for e in entries] == [
        (str(desk.a.id), "unlinked", 1)]


async def test_a_base_committee_member_drills_down_into_each_chi_bo(
        chat: Chat, desk: Desk) -> None:
    assert "chi bộ nào" in await open_desk(chat, desk.base_member)
    labels = [label for _id, label in chat.last_choices(desk.base_member)]
    assert labels == ["Tất cả 2 chi bộ (tỷ lệ, bảng tính)", "Chi bộ ấp Bình Minh",
                      "Chi bộ ấp Tân Hòa"]
    await chat.tap(desk.base_member, await reach(chat, desk.base_member, "Bình Minh"))
    shown = await chat.tap(desk.base_member,
                           await reach(chat, desk.base_member, "giảm, miễn công tác"))
    assert "Trần Thị Mai" in shown
    await chat.tap(desk.base_member, await reach(chat, desk.base_member, "Chọn chi bộ khác"))
    await chat.tap(desk.base_member, await reach(chat, desk.base_member, "Tân Hòa"))
    other = await chat.tap(desk.base_member,
                           await reach(chat, desk.base_member, "giảm, miễn công tác"))
    assert "Trần Thị Mai" not in other
    assert "Không có ai." in other

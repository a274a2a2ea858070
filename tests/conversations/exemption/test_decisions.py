"""Officers record the branch's decision with one tap: approve, reject, ask, defer, undo."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from storage.db import Database
from storage.models import AuditEntry, MemberStatus, RequestDecision, RequestStatus
from tests.conversations.exemption.conftest import (
    People,
    ask_health,
    member,
    requests,
    settle,
)
from tests.support import Chat, FakeClock
from vocabulary.types import FileRef, Inbound, InboundKind

APPROVE = "a:xr:ok:1:1"


def texts(chat: Chat, person_chat: str) -> str:
    return "\n".join(m.text for c, m in chat.sender.sent if c == person_chat)


async def decisions(db: Database) -> list[RequestDecision]:
    async with db.session() as session:
        return list((await session.exec(select(RequestDecision))).all())


async def refusals(db: Database) -> list[AuditEntry]:
    async with db.session() as session:
        query = select(AuditEntry).where(AuditEntry.action == "exemption.refused")
        return list((await session.exec(query)).all())


async def test_one_tap_approves_and_every_copy_shows_who_recorded_it(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    reply = await chat.tap(people.sec, APPROVE)
    assert "Đã ghi quyết định về đơn số 1: đồng ý" in reply
    assert "Chi bộ họp ngày nào" in reply
    assert "Hôm nay (21/11/2026)" in [label for _i, label in chat.last_choices(people.sec)]
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.EXEMPTED
    # The member hears of it once the decision can no longer be taken back.
    assert "đồng ý" not in texts(chat, people.mai.chat_id)
    await settle(chat, clock)
    assert "đã được đồng ý" in texts(chat, people.mai.chat_id)
    assert "không nhận" not in texts(chat, people.mai.chat_id)
    assert "miễn công tác và sinh hoạt đảng từ 21/11/2026" in texts(chat, people.mai.chat_id)
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.EXEMPTED
    edited = {c: m for c, _ref, m in chat.sender.edits}
    for officer in (people.sec, people.dep):
        assert "Đã ghi: đồng ý – do đồng chí Nguyễn Văn Hùng" in edited[officer.chat_id].text
        assert edited[officer.chat_id].choices == []


async def test_the_meeting_date_number_and_votes_follow_the_tap_checked(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    clock.advance(days=2)  # the meeting is on 23/11; the request came on 21/11
    await chat.tap(people.sec, APPROVE)
    assert "không thể ở sau hôm nay" in await chat.say(people.sec, "25/11/2026")
    assert "chưa đọc được ngày này" in await chat.say(people.sec, "31/13/2026")
    assert "trước ngày gửi đơn (21/11/2026)" in await chat.say(people.sec, "20/11/2026")
    assert "Số nghị quyết của chi bộ" in await chat.say(people.sec, "22/11/2026")
    assert "gồm chữ, chữ số" in await chat.say(people.sec, "😀")
    assert "giống một ngày" in await chat.say(people.sec, "31/13/2026")
    assert "ba con số" in await chat.say(people.sec, "07-NQ/CB")
    assert "không được quá số có mặt (12)" in await chat.say(people.sec, "12 10 5")
    summary = await chat.say(people.sec, "12 10 2")
    assert "Ngày họp chi bộ: 22/11/2026" in summary
    assert "Số nghị quyết: 07-NQ/CB" in summary
    assert "Biểu quyết: 12 có mặt, 10 tán thành, 2 không tán thành" in summary
    assert "Đã lưu" in await chat.say(people.sec, "1")
    [decision] = await decisions(db)
    assert (decision.meeting_on.isoformat(), decision.resolution_no) == ("2026-11-22", "07-NQ/CB")
    assert decision.detail == {"present": 12, "agreed": 10, "against": 2}
    await settle(chat, clock)  # the report upward says «họp ngày 22/11/2026»
    assert "họp ngày 22/11/2026, nghị quyết 07-NQ/CB" in texts(chat, people.base.chat_id)


async def test_wrong_votes_are_asked_again_and_nothing_wrong_is_recorded(
    chat: Chat, people: People, db: Database
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, APPROVE)
    await chat.say(people.sec, "1")  # today
    await chat.say(people.sec, "07-NQ/CB")
    for typed in ("12 -1 0", "mười hai", "12a 10 2", "0 0 0", "12 10", "12 10 2 1"):
        assert "Xin gõ đúng ba con số" in await chat.say(people.sec, typed), typed
    assert "không được quá số có mặt (12)" in await chat.say(people.sec, "12 13 0")
    [decision] = await decisions(db)
    assert decision.detail == {}
    summary = await chat.say(people.sec, "12, 12, 0")
    assert "Biểu quyết: 12 có mặt, 12 tán thành, 0 không tán thành" in summary
    [decision] = await decisions(db)
    assert decision.detail == {"present": 12, "agreed": 12, "against": 0}


async def test_the_last_recorded_meeting_is_offered_with_one_tap(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, APPROVE)
    await chat.say(people.sec, "1")  # today, 21/11
    await chat.say(people.sec, "/cancel")
    await ask_health(chat, people.long)
    clock.advance(days=3)
    await chat.tap(people.dep, "a:xr:ok:2:1")
    assert "21/11/2026 (lần họp trước đã ghi)" in [
        label for _i, label in chat.last_choices(people.dep)]
    await chat.say(people.dep, "2")
    [_first, second] = await decisions(db)
    assert second.meeting_on.isoformat() == "2026-11-21"


async def test_two_officers_tapping_together_record_one_decision(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)

    def tap(chat_id: str, choice: str) -> Inbound:
        return Inbound("terminal", chat_id, chat_id, InboundKind.CHOICE, clock(), choice=choice)

    # Both buttons record at once (a rejection would first ask for its reason).
    await asyncio.gather(chat.core.handle(tap("sec", APPROVE)),
                         chat.core.handle(tap("dep", "a:xr:def:1:1")))
    await chat.flush()
    [decision] = await decisions(db)
    loser = "dep" if decision.outcome == "approved" else "sec"
    assert "đã được xử lý" in texts(chat, loser)


async def test_a_replayed_old_button_changes_nothing(
    chat: Chat, people: People, db: Database
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, APPROVE)
    again = await chat.tap(people.dep, APPROVE)
    assert "Đơn số 1 đã được xử lý (đã được đồng ý)" in again
    assert "Nguyễn Văn Hùng" in again
    assert len(await decisions(db)) == 1


async def test_rejection_asks_the_reason_and_the_member_reads_it(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    assert "Xin ghi lý do" in await chat.tap(people.sec, "a:xr:no:1:1")
    assert "vài chữ" in await chat.say(people.sec, " ")
    await chat.say(people.sec, "Sức khỏe đồng chí vẫn tham gia được")
    await settle(chat, clock)
    assert "Lý do: Sức khỏe đồng chí vẫn tham gia được" in texts(chat, people.mai.chat_id)
    [request] = await requests(db)
    assert request.status == RequestStatus.REJECTED
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.ACTIVE


async def test_a_question_goes_to_the_member_and_the_answer_comes_back(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, "a:xr:ask:1:1")
    await chat.say(people.sec, "Giấy khám của bệnh viện nào?")
    await settle(chat, clock)
    assert "Giấy khám của bệnh viện nào?" in texts(chat, people.mai.chat_id)
    answer_button = chat.choice_id(people.mai, "Trả lời")
    assert "Chi bộ ấp Bình Minh hỏi" in await chat.tap(people.mai, answer_button)
    assert "chi ủy" not in texts(chat, people.mai.chat_id)  # a chi bộ under 9 has none
    assert "Đã gửi câu trả lời" in await chat.say(people.mai, "Bệnh viện tỉnh")
    notice = [m for c, m in chat.sender.sent if c == people.dep.chat_id][-1]
    assert "Đảng viên trả lời: Bệnh viện tỉnh" in notice.text
    assert notice.choices[0][0] == "a:xr:ok:1:3"
    assert "không còn chờ câu trả lời" in await chat.tap(people.mai, answer_button)
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING


async def test_deferred_requests_head_the_list_before_the_meeting(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, "a:xr:def:1:1")
    await settle(chat, clock)
    assert "cuộc họp tới" in texts(chat, people.mai.chat_id)
    await chat.say(people.sec, "1")  # done
    await chat.open_menu(people.dep, "Việc của cấp ủy")
    listing = await chat.tap(people.dep, chat.choice_id(people.dep, "Đơn chờ"))
    assert "Số 1: Trần Thị Mai" in listing
    assert "đưa ra cuộc họp tới" in listing
    opened = await chat.say(people.dep, "1")
    assert "Đã đưa ra cuộc họp tới" in opened
    assert "✅ Chi bộ đã đồng ý" in [label for _id, label in chat.last_choices(people.dep)]
    await chat.say(people.dep, "1")  # typed number taps the first button
    [request] = await requests(db)
    assert request.status == RequestStatus.APPROVED


async def test_undo_within_the_window_restores_everything(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, APPROVE)
    clock.advance(minutes=9)
    taken_back = await chat.tap(people.sec, chat.choice_id(people.sec, "Rút lại"))
    assert "Đã rút lại quyết định vừa ghi" in taken_back
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.ACTIVE
    await settle(chat, clock)
    # The member never heard of the decision, so there is nothing to take back from her.
    told = texts(chat, people.mai.chat_id)
    assert "đồng ý" not in told
    assert "bấm nhầm" not in told
    assert "hủy" not in told
    assert next(label for _i, label in chat.last_choices(people.dep)) == "✅ Chi bộ đã đồng ý"
    async with db.session() as session:
        undone = (await session.exec(select(AuditEntry).where(
            AuditEntry.action == "exemption.undone"))).all()
    assert len(undone) == 1


async def test_undo_is_refused_after_the_window_and_for_another_officer(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, APPROVE)
    [decision] = await decisions(db)
    assert "không có quyền" in await chat.tap(people.dep, f"a:xr:undo:{decision.id}")
    clock.advance(minutes=11)
    assert "đã quá 10 phút" in await chat.tap(people.sec, f"a:xr:undo:{decision.id}")
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.EXEMPTED


async def test_a_forged_button_from_a_plain_member_is_refused_and_audited(
    chat: Chat, people: People, db: Database
) -> None:
    await ask_health(chat, people.mai)
    assert "không có quyền" in await chat.tap(people.long, APPROVE)
    assert "không có quyền" in await chat.tap(people.long, "a:xr:ok:1:99")
    assert "không có quyền" in await chat.tap(people.long, "a:xr:ans:1:1")
    assert "không có quyền" in await chat.tap(people.long, "a:xr:ok:x")
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING
    assert len(await refusals(db)) == 4


async def test_the_member_cannot_decide_her_own_request(
    chat: Chat, people: People, db: Database
) -> None:
    await ask_health(chat, people.mai)
    assert "không có quyền" in await chat.tap(people.mai, APPROVE)
    assert await decisions(db) == []


async def test_an_over_long_resolution_number_is_refused(
    chat: Chat, people: People, db: Database
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, APPROVE)
    await chat.say(people.sec, "1")  # held today
    assert "không quá 60" in await chat.say(people.sec, "1" * 61)
    [decision] = await decisions(db)
    assert decision.resolution_no is None


async def test_the_member_may_answer_with_a_document(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, "a:xr:ask:1:1")
    await chat.say(people.sec, "Xin gửi giấy khám")
    await settle(chat, clock)
    await chat.tap(people.mai, chat.choice_id(people.mai, "Trả lời"))
    paper = FileRef("cd/cdef", "giay.pdf", "application/pdf", 50_000)
    assert "Đã gửi câu trả lời" in await chat.send_file(people.mai, paper)
    notice = [m for c, m in chat.sender.sent if c == people.sec.chat_id][-1]
    assert notice.attachment == paper
    assert "có gửi kèm" in notice.text
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING


async def test_an_officer_with_nothing_waiting_is_told_so(chat: Chat, people: People) -> None:
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    reply = await chat.tap(people.sec, chat.choice_id(people.sec, "Đơn chờ"))
    assert "Không có đơn nào đang chờ" in reply

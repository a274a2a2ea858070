"""While away: the question when the return date passes (and the secretary when no answer
comes), more time up to the ceiling, the return date once known, the dues reminder, and
«Tôi đã về» with the comment from where the member was."""

from __future__ import annotations

from datetime import date

from storage.db import Database
from storage.models import Organisation, RequestStage, RequestStatus
from tests.conversations.away.conftest import TAM, decide, leave, received, records
from tests.conversations.exemption.conftest import People, fire_timers, requests, settle
from tests.support import Chat, FakeClock
from vocabulary.settings import Settings
from vocabulary.types import FileRef

APPROVE = "đã đồng ý"


async def away_until(chat: Chat, people: People, end: str, arrangement: str = "inform") -> None:
    await leave(chat, people.mai, arrangement, end)
    await decide(chat, people.sec, "Đã ghi nhận" if arrangement == "inform" else APPROVE)
    if arrangement == "suspend":
        await decide(chat, people.base, APPROVE)


async def test_past_the_return_date_the_member_is_asked_then_the_secretary_told(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await away_until(chat, people, "15/12/2026")
    clock.advance(days=24, hours=23)  # 15 December, still expected back today
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "vẫn còn ở xa" not in received(chat, people.mai, mark)

    clock.advance(hours=1)  # 16 December, nine in the morning
    await fire_timers(db, settings, clock, chat)
    asked = received(chat, people.mai, mark)
    assert "dự kiến về ngày 15/12/2026" in asked
    assert [label for _id, label in chat.last_choices(people.mai)] == [
        "Vẫn còn ở xa", "Tôi đã về", "Xin gia hạn"]
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đảng viên đang ở xa"))
    assert "Trần Thị Mai – Phường Dĩ An" in received(chat, people.sec, mark)
    assert "quá hạn về" in received(chat, people.sec, mark)

    clock.advance(days=6, hours=23)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert received(chat, people.sec, mark) == ""
    clock.advance(hours=1)  # seven days without an answer
    await fire_timers(db, settings, clock, chat)
    assert "chưa trả lời câu hỏi của Chibot sau 7 ngày" in received(chat, people.sec, mark)


async def test_an_answer_keeps_the_secretary_from_being_told(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await away_until(chat, people, "15/12/2026")
    clock.advance(days=25)
    await fire_timers(db, settings, clock, chat)
    mark = len(chat.sender.sent)
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, "Vẫn còn ở xa"))
    assert "Đã báo bí thư chi bộ đồng chí vẫn còn ở xa" in reply
    assert "báo vẫn còn ở xa (Phường Dĩ An" in received(chat, people.sec, mark)
    clock.advance(days=8)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "chưa trả lời" not in received(chat, people.sec, mark)


async def test_more_time_follows_the_same_path_and_moves_the_return_date(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await away_until(chat, people, "28/02/2027", "suspend")
    clock.advance(days=100)  # 1 March 2027
    await fire_timers(db, settings, clock, chat)
    await chat.tap(people.mai, chat.choice_id(people.mai, "Xin gia hạn"))
    await chat.say(people.mai, "31/05/2027")
    reply = await chat.say(people.mai, "1")
    assert "Đã gửi đơn số 2." in reply
    mark = len(chat.sender.sent)
    await chat.tap(people.sec, chat.choice_id(people.sec, APPROVE))
    assert "ngày về dự kiến 28/02/2027 → 31/05/2027" in received(chat, people.base, mark)
    [_, extension] = await requests(db)
    assert extension.stage == RequestStage.UPPER  # tạm miễn: the base committee grants it

    await chat.tap(people.base, chat.choice_id(people.base, APPROVE))
    await settle(chat, clock)  # the member hears once the undo window has passed
    assert "Ngày về dự kiến nay là 31/05/2027" in received(chat, people.mai, mark)
    [record] = await records(db)
    assert record.ends_on == date(2027, 5, 31)


async def test_past_the_ceiling_the_official_transfer_is_explained_and_the_secretary_told(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await away_until(chat, people, "28/02/2027")
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Xin gia hạn"))
    mark = len(chat.sender.sent)
    reply = await chat.say(people.mai, "21/11/2027")
    assert "chuyển sinh hoạt đảng chính thức" in reply
    assert "muộn nhất đến 19/11/2027" in reply
    assert "cần ở xa quá 12 tháng" in received(chat, people.sec, mark)
    assert len(await requests(db)) == 1


async def test_not_sure_when_back_is_asked_each_month_until_a_date_is_given(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await leave(chat, people.mai, "inform", "1")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    clock.advance(days=30)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "Đồng chí đã biết ngày về chưa?" in received(chat, people.mai, mark)
    clock.advance(days=30)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "Đồng chí đã biết ngày về chưa?" in received(chat, people.mai, mark)

    await chat.tap(people.mai, chat.choice_id(people.mai, "Báo ngày về"))
    reply = await chat.say(people.mai, "15/03/2027")
    assert "Đã ghi ngày về dự kiến: 15/03/2027" in reply
    assert "báo ngày về dự kiến: 15/03/2027" in received(chat, people.sec, mark)
    clock.advance(days=30)
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "đã biết ngày về" not in received(chat, people.mai, mark)


async def test_the_dues_reminder_reaches_members_away_on_the_fifth_through_the_outbox(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await away_until(chat, people, "31/01/2027", "suspend")
    clock.advance(days=13, hours=23)  # 4 December
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "đóng đảng phí" not in received(chat, people.mai, mark)
    clock.advance(hours=1)  # 5 December, nine in the morning
    await fire_timers(db, settings, clock, chat)
    assert "vẫn đóng đảng phí hằng tháng" in received(chat, people.mai, mark)
    assert "đóng đảng phí" not in received(chat, people.long, mark)  # not away
    clock.advance(days=31)  # 5 January: again
    mark = len(chat.sender.sent)
    await fire_timers(db, settings, clock, chat)
    assert "vẫn đóng đảng phí hằng tháng" in received(chat, people.mai, mark)


async def test_back_home_with_the_comment_as_a_file_the_secretary_confirms(
    chat: Chat, db: Database, clock: FakeClock, people: People
):
    await away_until(chat, people, "31/01/2027", "suspend")
    clock.advance(days=40)
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi đã về"))
    reply = await chat.say(people.mai, "1")  # today
    assert "nhận xét" in reply
    comment = FileRef("ef/ef01", "nhan-xet.jpg", "image/jpeg", 90_000)
    await chat.send_file(people.mai, comment)
    mark = len(chat.sender.sent)
    reply = await chat.say(people.mai, "1")
    assert "Bí thư chi bộ sẽ xác nhận việc đồng chí đã về" in reply
    to_secretary = received(chat, people.sec, mark)
    assert "Đã về địa phương từ ngày 31/12/2026" in to_secretary
    assert "đã gửi kèm" in to_secretary

    mark = len(chat.sender.sent)
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    await settle(chat, clock)
    assert "Chào mừng đồng chí trở về" in received(chat, people.mai, mark)
    [record] = await records(db)
    assert record.returned_on == date(2026, 12, 31)
    assert record.comment is not None


async def test_back_home_bringing_the_comment_to_the_meeting(
    chat: Chat, db: Database, clock: FakeClock, people: People
):
    await away_until(chat, people, "31/01/2027")
    clock.advance(days=20)
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi đã về"))
    reply = await chat.say(people.mai, "15/12/2027")
    assert "Ngày về không thể ở sau hôm nay" in reply
    reply = await chat.say(people.mai, "01/11/2026")
    assert "Ngày về phải từ ngày đi (21/11/2026) trở đi" in reply
    await chat.say(people.mai, "08/12/2026")
    await chat.say(people.mai, "1")  # at the meeting
    mark = len(chat.sender.sent)
    await chat.say(people.mai, "1")
    assert "sẽ nộp tại cuộc họp" in received(chat, people.sec, mark)
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    [record] = await records(db)
    assert record.returned_on == date(2026, 12, 8)
    assert record.comment_at_meeting
    [_, back] = await requests(db)
    assert back.status == RequestStatus.ACKNOWLEDGED
    # Back home, he/she may report a new absence.
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    assert chat.choice_id(people.mai, "Tôi đi làm ăn xa")


async def test_an_undone_acknowledgement_takes_the_record_back(
    chat: Chat, db: Database, clock: FakeClock, people: People
):
    await leave(chat, people.mai, "inform", "15/01/2027")
    mark = len(chat.sender.sent)
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    assert len(await records(db)) == 1
    await chat.tap(people.sec, chat.choice_id(people.sec, "Rút lại quyết định"))
    assert await records(db) == []
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING
    await settle(chat, clock)  # the member never hears of a decision taken back
    assert "đã ghi nhận đơn số 1" not in received(chat, people.mai, mark)


async def test_only_the_member_may_answer_the_questions_about_his_absence(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await away_until(chat, people, "15/12/2026")
    clock.advance(days=25)
    await fire_timers(db, settings, clock, chat)
    still = chat.choice_id(people.mai, "Vẫn còn ở xa")
    for forged in (still, "a:ax:still:²", f"a:ax:still:{10**20}", "a:ax:fly:1",
                   "a:ax:back"):
        mark = len(chat.sender.sent)
        reply = await chat.tap(people.long, forged)
        assert "không có quyền" in reply
        assert received(chat, people.sec, mark) == ""
    [record] = await records(db)
    assert record.last_contact_at < clock()


async def test_a_forged_decision_on_an_away_report_is_refused(chat: Chat, db: Database,
                                                              people: People):
    await leave(chat, people.mai, "suspend", "1")
    approve = chat.choice_id(people.sec, APPROVE)
    for who in (people.mai, people.long, people.base):  # the base acts only after the chi bộ
        assert "không có quyền" in await chat.tap(who, approve)
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.PENDING, RequestStage.BRANCH)


async def test_an_extended_transfer_is_reported_to_the_host_too(
    chat: Chat, db: Database, people: People, host: Organisation
):
    await leave(chat, people.mai, "transfer", "28/02/2027", host=["hòa bình", "1"])
    await decide(chat, people.sec, APPROVE)
    await decide(chat, TAM, "Xác nhận")
    mark = len(chat.sender.sent)
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Xin gia hạn"))
    await chat.say(people.mai, "31/05/2027")
    await chat.say(people.mai, "1")
    assert received(chat, TAM, mark) == ""  # the home chi bộ decides it
    await decide(chat, people.sec, APPROVE)
    assert "Đồng chí Trần Thị Mai, đang sinh hoạt tạm thời tại chi bộ, được gia hạn đến " \
           "31/05/2027" in received(chat, TAM, mark)
    [record] = await records(db)
    assert record.ends_on == date(2027, 5, 31)

"""A member asks for reduction or exemption: the steps, the rules shown, and every wrong input."""

from __future__ import annotations

from storage.db import Database
from storage.files import FileStore
from storage.models import MemberStatus, RequestStage, RequestStatus
from tests.conversations.exemption.conftest import (
    People,
    ask_health,
    fire_timers,
    member,
    requests,
    settle,
)
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings
from vocabulary.types import FileRef


async def test_a_health_exemption_reaches_the_secretary_and_deputy_with_buttons(
    chat: Chat, people: People, db: Database
) -> None:
    reply = await ask_health(chat, people.mai)
    assert "Đã gửi đơn số 1" in reply
    for officer in (people.sec, people.dep):
        notice = "\n".join(m.text for c, m in chat.sender.sent if c == officer.chat_id)
        assert "Trần Thị Mai" in notice
        assert "Tuổi cao, sức khỏe yếu" in notice
        assert "sẽ nộp tại cuộc họp" in notice
        labels = [label for _id, label in chat.last_choices(officer)]
        assert labels == ["✅ Chi bộ đã đồng ý", "❌ Chi bộ không đồng ý",
                          "❓ Hỏi thêm thông tin", "📅 Đưa ra cuộc họp tới"]
    assert not [m for c, m in chat.sender.sent if c == people.long.chat_id]
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.PENDING, RequestStage.BRANCH)


async def test_the_rules_are_shown_where_they_matter(chat: Chat, people: People) -> None:
    kinds = await open_request(chat, people.mai)
    assert "vẫn đóng đảng phí" in kinds
    await chat.say(people.mai, "2")
    certificate = await chat.say(people.mai, "1")
    assert "cơ sở y tế có thẩm quyền" in certificate
    preview = await chat.say(people.mai, "1")
    assert "quyết định tập thể tại cuộc họp" in preview


async def test_a_certificate_photo_goes_to_the_officers_with_the_request(
    chat: Chat, people: People
) -> None:
    await open_request(chat, people.mai)
    await chat.say(people.mai, "2")
    await chat.say(people.mai, "1")
    typed = await chat.say(people.mai, "giấy khám bệnh")
    assert "Chibot cần ảnh hoặc tệp PDF" in typed
    certificate = FileRef("ab/abcd", "giay-kham.jpg", "image/jpeg", 120_000)
    await chat.send_file(people.mai, certificate)
    await chat.say(people.mai, "1")
    to_secretary = [m for c, m in chat.sender.sent if c == people.sec.chat_id]
    assert to_secretary[-1].attachment == certificate
    assert "có gửi kèm" in to_secretary[-1].text


async def test_a_file_too_large_is_refused_and_the_step_asked_again(
    chat: Chat, people: People, db: Database
) -> None:
    await open_request(chat, people.mai)
    await chat.say(people.mai, "2")
    await chat.say(people.mai, "1")
    reply = "\n".join(m.text for m in await chat.send(people.mai, kind="file",
                                                       problem="too_large"))
    assert "giấy xác nhận của cơ sở y tế" in reply
    assert await requests(db) == []


async def test_a_fixed_period_checks_its_dates(chat: Chat, people: People, db: Database) -> None:
    await open_request(chat, people.mai)
    await chat.say(people.mai, "2")  # exemption
    assert "Từ ngày nào" in await chat.say(people.mai, "3")  # treatment far from home
    assert "trước hôm nay tối đa 60 ngày" in await chat.say(people.mai, "21/09/2026")
    assert "chưa đọc được ngày" in await chat.say(people.mai, "sang năm")
    assert "Đến ngày nào" in await chat.say(people.mai, "1/12/2026")
    assert "phải sau ngày bắt đầu" in await chat.say(people.mai, "30/11/2026")
    too_long = await chat.say(people.mai, "30/11/2027")  # the 12th month's last day
    assert "dưới 12 tháng" in too_long
    assert "ngày kết thúc muộn nhất là 29/11/2027" in too_long
    preview = await chat.say(people.mai, "29/11/2027")
    assert "Đồng chí xin miễn công tác và sinh hoạt đảng." in preview
    assert "từ 01/12/2026 đến 29/11/2027" in preview
    await chat.say(people.mai, "1")
    [request] = await requests(db)
    assert (request.kind, request.reason) == ("exemption", "treatment_far")


async def test_another_reason_is_written_in_the_members_words(
    chat: Chat, people: People, db: Database
) -> None:
    await open_request(chat, people.mai)
    await chat.say(people.mai, "2")
    assert "ghi ngắn gọn lý do" in await chat.say(people.mai, "8")
    assert "vài chữ" in await chat.say(people.mai, "   ")
    assert "không quá 500" in await chat.say(people.mai, "x" * 501)
    await chat.say(people.mai, "Chăm mẹ ốm ở Cần Thơ")
    await chat.say(people.mai, "1")  # from today
    await chat.say(people.mai, "31/1/2027")
    await chat.say(people.mai, "1")
    notice = [m for c, m in chat.sender.sent if c == people.sec.chat_id][-1].text
    assert "Lý do khác: Chăm mẹ ốm ở Cần Thơ" in notice
    assert "từ 21/11/2026 đến 31/01/2027" in notice


async def test_only_one_open_request_at_a_time(chat: Chat, people: People, db: Database) -> None:
    await ask_health(chat, people.mai)
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    again = await chat.tap(people.mai, chat.choice_id(people.mai, "Xin giảm, miễn"))
    assert "đã có đơn số 1" in again
    assert len(await requests(db)) == 1


async def test_cancel_at_the_summary_keeps_nothing(
    chat: Chat, people: People, db: Database
) -> None:
    await open_request(chat, people.mai)
    await chat.say(people.mai, "2")
    await chat.say(people.mai, "1")
    await chat.say(people.mai, "1")
    await chat.say(people.mai, "2")  # cancel
    assert await requests(db) == []
    assert not [m for c, m in chat.sender.sent if c == people.sec.chat_id]


async def test_my_requests_lists_them_and_withdraws_an_undecided_one(
    chat: Chat, people: People, db: Database
) -> None:
    await ask_health(chat, people.mai)
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    listing = await chat.tap(people.mai, chat.choice_id(people.mai, "Đơn của tôi"))
    assert "Số 1" in listing
    assert "đang chờ quyết định" in listing
    await chat.tap(people.mai, chat.choice_id(people.mai, "Rút đơn số 1"))
    assert "Đã rút đơn số 1" in await chat.say(people.mai, "1")
    [request] = await requests(db)
    assert request.status == RequestStatus.WITHDRAWN
    edited = [m.text for c, _ref, m in chat.sender.edits if c == people.sec.chat_id]
    assert edited
    assert "đã rút đơn này" in edited[-1]
    late = await chat.tap(people.sec, "a:xr:ok:1:1")
    assert "đã được xử lý" in late


async def test_a_secretary_records_a_request_for_a_member_who_came_in_person(
    chat: Chat, people: People, db: Database, clock: FakeClock
) -> None:
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Ghi đơn giúp"))
    await chat.say(people.sec, "Hạnh")
    await chat.say(people.sec, "1")  # she signed the consent on paper
    await chat.say(people.sec, "2")
    await chat.say(people.sec, "1")
    preview = await chat.say(people.sec, "1")
    assert "Đơn của đồng chí Ngô Thị Hạnh: xin miễn công tác và sinh hoạt đảng" in preview
    sent = await chat.say(people.sec, "1")
    assert "Đơn được ghi cho đồng chí Ngô Thị Hạnh" in sent
    assert "Đơn của tôi" not in sent
    [request] = await requests(db)
    assert request.member_id == people.org.wife.id
    assert request.recorded_by == people.org.secretary.id
    # The secretary recorded it; the deputy (or the secretary) still decides at the meeting.
    notice = [m for c, m in chat.sender.sent if c == people.dep.chat_id][-1]
    assert "Ngô Thị Hạnh" in notice.text
    assert notice.choices[0] == ("a:xr:ok:1:1", "✅ Chi bộ đã đồng ý")
    assert (await _status(db, people.org.wife.id or 0)) == MemberStatus.ACTIVE


async def test_a_plain_member_cannot_record_for_others(chat: Chat, people: People) -> None:
    await chat.say(people.long, "/menu")
    labels = [label for _id, label in chat.last_choices(people.long)]
    assert "Ghi đơn giúp đảng viên" not in labels
    assert "Chỉ bí thư" in await chat.tap(people.long, "m:record")


async def open_request(chat: Chat, person: Person) -> str:
    await chat.open_menu(person, "Đơn từ của tôi")
    return await chat.tap(person, chat.choice_id(person, "Xin giảm, miễn"))


async def submit_with_certificate(chat: Chat, people: People, certificate: FileRef) -> None:
    """Mai asks for exemption for her health and sends the certificate with the request."""
    await open_request(chat, people.mai)
    await chat.say(people.mai, "2")  # exemption
    await chat.say(people.mai, "1")  # advanced age or poor health
    await chat.send_file(people.mai, certificate)
    await chat.say(people.mai, "1")  # send


async def _status(db: Database, member_id: int) -> str:
    return (await member(db, member_id)).status


async def test_my_data_shows_the_requests_with_their_health_reason(
    chat: Chat, people: People
) -> None:
    await ask_health(chat, people.mai)
    await chat.open_menu(people.mai, "Thông tin của tôi")
    shown = await chat.tap(people.mai, chat.choice_id(people.mai, "Dữ liệu của tôi"))
    assert "Lý do: Tuổi cao, sức khỏe yếu" in shown
    assert "Tình trạng: đang chờ quyết định" in shown


async def test_a_certificate_is_deleted_after_the_retention_period(
    chat: Chat, people: People, db: Database, settings: Settings, clock: FakeClock
) -> None:
    stored = FileStore.of(settings).save(b"%PDF-1.4 certificate", "giay.pdf",
                                         "application/pdf")
    await submit_with_certificate(chat, people, stored)
    await chat.tap(people.sec, "a:xr:no:1:1")
    await chat.say(people.sec, "Chi bộ đề nghị khám lại")
    clock.advance(days=settings.certificate_retention_days - 1)
    await fire_timers(db, settings, clock, chat)
    assert (settings.files_dir / stored.path).exists()
    clock.advance(days=2)
    await fire_timers(db, settings, clock, chat)
    assert not (settings.files_dir / stored.path).exists()
    [request] = await requests(db)
    assert request.attachment is None


async def test_a_certificate_replaced_in_an_answer_is_deleted_at_once(
    chat: Chat, people: People, db: Database, settings: Settings, clock: FakeClock
) -> None:
    store = FileStore.of(settings)
    first = store.save(b"%PDF-1.4 old certificate", "giay.pdf", "application/pdf")
    second = store.save(b"%PDF-1.4 new certificate", "giay-moi.pdf", "application/pdf")
    await submit_with_certificate(chat, people, first)
    await chat.tap(people.sec, "a:xr:ask:1:1")
    await chat.say(people.sec, "Giấy này mờ quá, xin gửi lại")
    await settle(chat, clock)
    await chat.tap(people.mai, chat.choice_id(people.mai, "Trả lời"))
    assert "Đã gửi câu trả lời" in await chat.send_file(people.mai, second)
    assert not (settings.files_dir / first.path).exists()
    assert (settings.files_dir / second.path).exists()
    [request] = await requests(db)
    assert request.attachment is not None
    assert request.attachment["path"] == second.path


async def test_withdrawing_consent_withdraws_open_requests_and_deletes_their_documents(
    chat: Chat, people: People, db: Database, settings: Settings
) -> None:
    stored = FileStore.of(settings).save(b"%PDF-1.4 certificate", "giay.pdf",
                                         "application/pdf")
    await submit_with_certificate(chat, people, stored)
    await chat.open_menu(people.mai, "Thông tin của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Dữ liệu của tôi"))
    await chat.say(people.mai, "rút lại sự đồng ý")
    reply = await chat.say(people.mai, "có, rút lại")
    assert "Đơn số 1 của đồng chí đã được rút" in reply
    [request] = await requests(db)
    assert request.status == RequestStatus.WITHDRAWN
    assert request.attachment is None
    assert not (settings.files_dir / stored.path).exists()
    told = [m.text for c, m in chat.sender.sent if c == people.sec.chat_id]
    assert any("đã rút lại sự đồng ý" in text and "đơn số 1" in text for text in told)


async def test_reduction_is_offered_only_for_age_or_health_unless_the_setting_allows(
    chat: Chat, people: People, db: Database, settings: Settings, clock: FakeClock
) -> None:
    kinds = await open_request(chat, people.mai)
    assert "Xin giảm chỉ dành cho lý do tuổi cao, sức khỏe yếu" in kinds
    await chat.say(people.mai, "1")  # reduction
    assert [label for _id, label in chat.last_choices(people.mai)] == [
        "Tuổi cao, sức khỏe yếu"]
    await chat.say(people.mai, "/cancel")
    allowing = Chat(db, settings.model_copy(
        update={"exemption_reduction_for_fixed_reasons": True}), clock)
    await open_request(allowing, people.mai)
    await allowing.say(people.mai, "1")
    assert len(allowing.last_choices(people.mai)) > 1

"""«Tôi đi làm ăn xa»: the three arrangements and who decides each, the dates a member may
give, one report open at a time, withdrawing, and a secretary recording for a member."""

from __future__ import annotations

from datetime import date

from storage.db import Database
from storage.models import (
    AwayArrangement,
    MemberStatus,
    OfficerRole,
    OrgKind,
    RequestStage,
    RequestStatus,
)
from storage.repos import away
from tests import factories as f
from tests.conversations.away.conftest import TAM, leave, received, records
from tests.conversations.exemption.conftest import People, member, requests, settle
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

APPROVE = "đã đồng ý"


def labels(chat: Chat, person: Person) -> list[str]:
    return [label for _id, label in chat.last_choices(person)]


async def test_informing_only_is_acknowledged_and_opens_the_away_record(
    chat: Chat, db: Database, people: People, clock: FakeClock
):
    reply = await leave(chat, people.mai, "inform", "15/01/2027")
    assert "Đã gửi đơn số 1." in reply
    to_secretary = received(chat, people.sec)
    assert "xin báo chi bộ về việc đi làm ăn xa – đồng chí Trần Thị Mai" in to_secretary
    assert "Nơi đến: Phường Dĩ An, TP. Hồ Chí Minh" in to_secretary
    assert labels(chat, people.sec) == ["✅ Đã ghi nhận"]  # nothing to decide

    mark = len(chat.sender.sent)
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    await settle(chat, clock)  # the member hears once the undo window has passed

    told = received(chat, people.mai, mark)
    assert "Chi bộ đã ghi nhận đơn số 1" in told
    assert "ở xa từ 21/11/2026 đến 15/01/2027" in told
    [record] = await records(db)
    assert (record.arrangement, record.place) == (AwayArrangement.INFORM,
                                                  "Phường Dĩ An, TP. Hồ Chí Minh")
    assert (record.starts_on, record.ends_on) == (date(2026, 11, 21), date(2027, 1, 15))
    # Away is beside the member's status, which it leaves alone.
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.ACTIVE


async def test_not_sure_when_back_is_allowed_only_when_informing(chat: Chat, db: Database,
                                                                 people: People):
    await leave(chat, people.mai, "inform", "1")  # «Chưa rõ»
    [request] = await requests(db)
    assert request.ends_on is None
    assert "chưa rõ ngày về" in received(chat, people.sec)

    await chat.say(people.long, "/menu")
    reply = await leave(chat, people.long, "suspend", "chưa rõ", send=False, phone="")
    assert "Chưa hiểu ngày này" in reply


async def test_a_second_report_waits_for_the_first_and_a_member_away_is_pointed_home(
    chat: Chat, people: People
):
    await leave(chat, people.mai, "inform", "15/01/2027")
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi đi làm ăn xa"))
    assert "Đồng chí đã có đơn số 1 về việc đi xa" in reply

    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    entries = (await chat.open_menu(people.mai, "Đơn từ của tôi"), labels(chat, people.mai))[1]
    assert "Tôi đã về" in entries
    assert "Tôi đi làm ăn xa" not in entries


async def test_a_report_can_be_withdrawn_before_anyone_acts(chat: Chat, db: Database,
                                                            people: People):
    await leave(chat, people.mai, "suspend", "1")
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Đơn của tôi"))
    await chat.tap(people.mai, chat.choice_id(people.mai, "Rút đơn số 1"))
    reply = await chat.say(people.mai, "1")
    assert "đã rút" in reply.lower()
    [request] = await requests(db)
    assert request.status == RequestStatus.WITHDRAWN
    assert await records(db) == []


async def test_temporary_exemption_is_proposed_by_the_chi_bo_and_granted_above(
    chat: Chat, db: Database, people: People, clock: FakeClock
):
    await leave(chat, people.mai, "suspend", "1")  # the longest allowed
    [request] = await requests(db)
    assert request.ends_on == date(2027, 11, 19)  # under 12 months, both ends counted

    mark = len(chat.sender.sent)
    await chat.tap(people.sec, chat.choice_id(people.sec, APPROVE))
    assert "tạm miễn sinh hoạt đảng khi đi làm ăn xa" in received(chat, people.base, mark)
    await settle(chat, clock)  # the member hears once the undo window has passed
    assert "được chuyển lên Đảng bộ xã An Hòa quyết định" in received(chat, people.mai, mark)
    assert await records(db) == []  # not granted yet

    mark = len(chat.sender.sent)
    await chat.tap(people.base, chat.choice_id(people.base, APPROVE))
    await settle(chat, clock)
    told = received(chat, people.mai, mark)
    assert "Đồng chí được tạm miễn sinh hoạt đảng từ 21/11/2026 đến 19/11/2027" in told
    assert "vẫn đóng đảng phí" in told
    [record] = await records(db)
    assert record.arrangement == AwayArrangement.SUSPEND


async def test_a_chi_bo_co_so_grants_temporary_exemption_itself(
    db: Database, settings: Settings, clock: FakeClock
):
    province = await f.org(db, "T-TN", OrgKind.PROVINCE, name="Đảng bộ tỉnh")
    base_branch = await f.org(db, "CB-CS", OrgKind.BASE_BRANCH, province,
                              name="Chi bộ cơ sở Trường học")
    secretary = await f.member(db, "CS-1", "Hà Văn Sơn", base_branch, "+84912000401")
    member_ = await f.member(db, "CS-2", "Vũ Thị Thu", base_branch, "+84912000402")
    await f.role(db, secretary, base_branch, OfficerRole.SECRETARY)
    await f.link(db, secretary, "son")
    await f.link(db, member_, "thu")
    chat = Chat(db, settings, clock)
    son, thu = Person("son"), Person("thu")
    await leave(chat, thu, "suspend", "30/06/2027")
    mark = len(chat.sender.sent)
    await chat.tap(son, chat.choice_id(son, APPROVE))
    await settle(chat, clock)
    assert "Đồng chí được tạm miễn sinh hoạt đảng từ 21/11/2026 đến 30/06/2027" in received(
        chat, thu, mark)
    [request] = await requests(db)
    assert request.status == RequestStatus.APPROVED


async def test_dates_a_member_may_not_give(chat: Chat, people: People):
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi đi làm ăn xa"))
    await chat.say(people.mai, "Bình Dương")
    await chat.say(people.mai, "1")
    reply = await chat.say(people.mai, "01/08/2026")
    assert "Ngày đi chỉ được sớm hơn hôm nay tối đa 60 ngày" in reply
    # A start up to the setting in the past is accepted; an end before it is not.
    reply = await chat.say(people.mai, "01/10/2026")
    assert "Đồng chí đề nghị chi bộ thế nào?" in reply
    await chat.say(people.mai, "2")
    reply = await chat.say(people.mai, "30/09/2026")
    assert "Ngày về phải sau ngày đi (01/10/2026)" in reply
    reply = await chat.say(people.mai, "01/10/2027")
    assert "ngày về muộn nhất là 29/09/2027" in reply
    reply = await chat.say(people.mai, "29/09/2027")
    assert "liên lạc qua số điện thoại nào" in reply


async def test_a_temporary_transfer_lasts_at_least_three_months(chat: Chat, people: People,
                                                               host: object):
    reply = await leave(chat, people.mai, "transfer", "15/01/2027", send=False, phone="")
    assert "ngày về sớm nhất là 20/02/2027" in reply


async def test_transfer_the_host_confirms_the_arrival_and_sees_only_name_dates_contact(
    chat: Chat, db: Database, people: People, host: object, clock: FakeClock
):
    reply = await leave(chat, people.mai, "transfer", "1", host=["hòa bình", "1"],
                        phone="0987 111 222")
    assert "giấy giới thiệu sinh hoạt đảng tạm thời" in reply  # the steps to follow
    home = received(chat, people.sec)
    assert "Chi bộ nơi đến sinh hoạt tạm thời: Chi bộ ấp Hòa Bình" in home
    assert "Việc cần làm: giấy giới thiệu" in home  # the secretary's checklist
    assert received(chat, TAM) == ""

    mark = len(chat.sender.sent)
    await chat.tap(people.sec, chat.choice_id(people.sec, APPROVE))
    to_host = received(chat, TAM, mark)
    assert "Trần Thị Mai" in to_host
    assert "Thời gian: từ 21/11/2026 đến 19/11/2027" in to_host
    assert "+84987111222" in to_host
    assert "Phường Dĩ An" not in to_host
    assert "Lý do" not in to_host
    assert "✅ Xác nhận" in labels(chat, TAM)
    [request] = await requests(db)
    assert request.stage == RequestStage.CONFIRM
    await settle(chat, clock)
    assert "Chi bộ ấp Hòa Bình sẽ xác nhận" in received(chat, people.mai, mark)

    mark = len(chat.sender.sent)
    await chat.tap(TAM, chat.choice_id(TAM, "Xác nhận"))
    await settle(chat, clock)
    assert "nhận lịch họp và chuyên đề của chi bộ nơi đến" in received(chat, people.mai, mark)
    [record] = await records(db)
    assert record.host_org_id is not None
    assert record.arrived_on == date(2026, 11, 21)


async def test_a_host_outside_chibot_is_kept_by_name_and_the_chi_bo_decides(
    chat: Chat, db: Database, people: People
):
    await leave(chat, people.mai, "transfer", "31/05/2027",
                host=["Chi bộ Khu phố 3, phường Dĩ An"])
    await chat.tap(people.sec, chat.choice_id(people.sec, APPROVE))
    [record] = await records(db)
    assert (record.host_org_id, record.host_name) == (None, "Chi bộ Khu phố 3, phường Dĩ An")


async def test_a_secretary_records_an_absence_told_in_person(chat: Chat, db: Database,
                                                             people: People):
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đảng viên đang ở xa"))
    await chat.tap(people.sec, chat.choice_id(people.sec, "Ghi báo cáo đi làm ăn xa"))
    await chat.say(people.sec, "Mai")
    for typed in ("Bình Dương", "1", "1", "1", "28/02/2027", "1"):
        reply = await chat.say(people.sec, typed)
    assert "Báo cáo của đồng chí Trần Thị Mai" in reply
    mark = len(chat.sender.sent)
    await chat.say(people.sec, "1")
    assert "Đồng chí Nguyễn Văn Hùng đã ghi đơn số 1 giúp đồng chí" in received(
        chat, people.mai, mark)
    [request] = await requests(db)
    assert request.recorded_by == people.org.secretary.id
    # The deputy takes note (the recorder may not be the only one to act on it).
    await chat.tap(people.dep, chat.choice_id(people.dep, "Đã ghi nhận"))
    assert len(await records(db)) == 1


async def test_a_plain_member_cannot_record_for_another(chat: Chat, people: People):
    await chat.say(people.long, "/menu")
    assert "Việc của cấp ủy" not in " ".join(labels(chat, people.long))
    assert "không có quyền" not in await chat.tap(people.long, "m:away_list")
    assert "Ghi báo cáo" not in " ".join(labels(chat, people.long))


async def test_a_restart_in_the_middle_of_the_report_loses_nothing(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi đi làm ăn xa"))
    await chat.say(people.mai, "Đồng Nai")
    await chat.say(people.mai, "2")  # study

    restarted = Chat(db, settings, clock)  # a new process over the same database
    await restarted.say(people.mai, "1")
    await restarted.say(people.mai, "1")
    await restarted.say(people.mai, "15/02/2027")
    await restarted.say(people.mai, "1")
    reply = await restarted.say(people.mai, "1")
    assert "Đã gửi đơn số 1." in reply
    [request] = await requests(db)
    assert (request.reason, request.detail["place"]) == ("study", "Đồng Nai")


async def test_repo_queries_answer_who_is_away_and_who_is_hosted(
    chat: Chat, db: Database, people: People, host
):
    await leave(chat, people.mai, "transfer", "1", host=["hòa bình", "1"])
    await chat.tap(people.sec, chat.choice_id(people.sec, APPROVE))
    await chat.tap(TAM, chat.choice_id(TAM, "Xác nhận"))
    await leave(chat, people.long, "inform", "01/01/2027", start="01/12/2026")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đã ghi nhận"))
    branch, mai, long_ = people.org.branch.id or 0, people.org.mai.id, people.org.husband.id
    async with db.session() as session:
        today = await away.away_on(session, date(2026, 11, 21), [branch])
        later = await away.away_on(session, date(2026, 12, 15), [branch])
        informing = await away.away_on(session, date(2026, 12, 15), [branch],
                                       [AwayArrangement.INFORM])
        hosted = await away.hosted_by(session, date(2026, 12, 15), [host.id])
        elsewhere = await away.away_on(session, date(2026, 12, 15), [host.id])
    assert [a.member_id for a in today] == [mai]  # Long leaves on 1 December
    assert sorted(a.member_id for a in later) == sorted([mai, long_])
    assert [(a.member_id, a.arrangement) for a in informing] == [(long_,
                                                                  AwayArrangement.INFORM)]
    assert [(a.member_id, a.branch_id) for a in hosted] == [(mai, branch)]
    assert elsewhere == []  # the host does not count her as its own member


async def test_wrong_place_dates_and_phone_are_asked_again_and_nothing_typed_is_lost(
    chat: Chat, db: Database, people: People, clock: FakeClock
):
    await chat.open_menu(people.mai, "Đơn từ của tôi")
    await chat.tap(people.mai, chat.choice_id(people.mai, "Tôi đi làm ăn xa"))
    reply = await chat.say(people.mai, "x" * 201)
    assert "Nội dung dài 201 ký tự; xin viết ngắn lại, không quá 200 ký tự." in reply
    reply = await chat.say(people.mai, "Phường Dĩ An")
    assert "Đồng chí đi vì việc gì?" in reply
    await chat.say(people.mai, "1")  # work
    for impossible in ("31/02/2027", "sắp tới", "00/12/2026"):
        reply = await chat.say(people.mai, impossible)
        assert "Chưa hiểu ngày này. Xin gõ theo dạng ngày/tháng/năm" in reply
    reply = await chat.say(people.mai, "01/12/2026")
    assert "Đồng chí đề nghị chi bộ thế nào?" in reply
    await chat.say(people.mai, "1")  # inform
    reply = await chat.say(people.mai, "30/02/2027")
    assert "Chưa hiểu ngày này." in reply
    reply = await chat.say(people.mai, "28/02/2027")
    assert "liên lạc qua số điện thoại nào" in reply
    for wrong in ("12ab", "0987", "+1 555 0100 99999999"):
        reply = await chat.say(people.mai, wrong)
        assert "Số điện thoại chưa đúng. Xin gõ lại, ví dụ 0912 345 678" in reply
    await chat.say(people.mai, "0987.111.222")
    reply = await chat.say(people.mai, "1")  # send
    assert "Đã gửi đơn số 1." in reply
    [request] = await requests(db)
    assert (request.detail["place"], request.starts_on, request.ends_on) == (
        "Phường Dĩ An", date(2026, 12, 1), date(2027, 2, 28))
    assert request.detail["phone"] == "+84987111222"
    assert "Nơi đến: Phường Dĩ An" in received(chat, people.sec)

"""The stages a request goes through: consent of the managing body, the branch, the base
committee; and who may act at each stage when officers change or ask for themselves."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from conversations.requests.handover import resend_waiting
from storage.db import Database
from storage.models import (
    MemberStatus,
    OfficerRole,
    OrgKind,
    RequestDecision,
    RequestStage,
    RequestStatus,
)
from storage.repos import orgs
from tests import factories as f
from tests.conversations.exemption.conftest import (
    People,
    ask_fixed,
    ask_health,
    fire_timers,
    member,
    requests,
    settle,
)
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings

APPROVE = "đã đồng ý"
NOT_ALLOWED = "không có quyền"


def received(chat: Chat, person: Person, since: int = 0) -> str:
    """Everything sent to `person` from message number `since` on, one text."""
    return "\n".join(m.text for c, m in chat.sender.sent[since:] if c == person.chat_id)


def labels(chat: Chat, person: Person) -> list[str]:
    return [label for _id, label in chat.last_choices(person)]


async def test_fixed_period_goes_on_to_the_base_committee(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_fixed(chat, people.mai, "01/12/2026", "28/02/2027")
    asked = received(chat, people.mai)
    assert "chi bộ quyết định, sau đó" not in asked
    assert "Chi bộ xem xét, đề nghị tại cuộc họp; Đảng bộ xã An Hòa quyết định." in asked
    assert "đề nghị Đảng bộ xã An Hòa quyết định; kết quả" in asked
    to_sec = received(chat, people.sec)
    assert "Chi bộ quyết định tập thể" not in to_sec
    assert "Chi bộ xem xét tập thể tại cuộc họp và đề nghị; Đảng bộ xã An Hòa quyết định" \
        in to_sec

    mark = len(chat.sender.sent)
    proposed = await chat.tap(people.sec, chat.choice_id(people.sec, APPROVE))
    assert "Chi bộ họp ngày nào" in proposed  # the proposal is a resolution of the meeting
    await settle(chat, clock)

    assert "được chuyển lên Đảng bộ xã An Hòa quyết định" in received(chat, people.mai, mark)
    to_base = received(chat, people.base, mark)
    assert "Chi bộ đã xem xét và đề nghị; đề nghị cấp ủy quyết định" in to_base
    assert "Đảng bộ xã An Hòa quyết định và ra quyết định" in to_base
    assert "Trần Thị Mai" in to_base
    assert "✅ Cấp ủy đã đồng ý" in labels(chat, people.base)
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.PENDING, RequestStage.UPPER)
    assert request.stage_org_id == people.org.base.id

    mark = len(chat.sender.sent)
    recorded = await chat.tap(people.base, chat.choice_id(people.base, APPROVE))
    # The dang uy issues a decision: its date and number, not a branch meeting's resolution.
    assert "Đảng bộ xã An Hòa ra quyết định ngày nào" in recorded
    assert "Ngày họp chi bộ" not in recorded
    assert "Số quyết định (ví dụ" in await chat.say(people.base, "1")
    summary = await chat.say(people.base, "125-QĐ/ĐU")
    assert "Ngày quyết định của Đảng bộ xã An Hòa: 21/11/2026" in summary
    assert "Số quyết định: 125-QĐ/ĐU" in summary
    assert "Số nghị quyết" not in summary
    await settle(chat, clock)

    told = received(chat, people.mai, mark)
    assert "Đơn số 1 của đồng chí đã được đồng ý" in told
    assert "từ 01/12/2026 đến 28/02/2027" in told
    [request] = await requests(db)
    assert request.status == RequestStatus.APPROVED
    # Not in force before its start date ...
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.ACTIVE
    # ... and in force from the start of 1 December, local time.
    clock.advance(days=9, hours=15)  # 2026-12-01 00:00 in Ho Chi Minh City
    await fire_timers(db, settings, clock, chat)
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.EXEMPTED


# Above it: the province (as since 2025), or a committee recorded as a dang bo co so.
@pytest.mark.parametrize("above", [OrgKind.PROVINCE, OrgKind.BASE_COMMITTEE])
async def test_a_base_branch_decides_a_fixed_period_itself(
    db: Database, settings: Settings, clock: FakeClock, above: OrgKind
):
    # A chi bo co so is itself a base organisation, whatever the tree puts above it.
    top = await f.org(db, "TV", above, name="Đảng bộ tỉnh Trà Vinh")
    school = await f.org(db, "TV-THPT", OrgKind.BASE_BRANCH, top, name="Chi bộ Trường THPT Trà Cú")
    secretary = await f.member(db, "S-101", "Lâm Văn Tâm", school)
    await f.role(db, secretary, school, OfficerRole.SECRETARY)
    teacher = await f.member(db, "M-102", "Thạch Thị Sa", school)
    upper = await f.member(db, "P-103", "Kim Văn Hai", school)
    await f.role(db, upper, top, OfficerRole.BASE_COMMITTEE_MEMBER)
    for who, chat_id in ((secretary, "tam"), (teacher, "sa"), (upper, "hai")):
        await f.link(db, who, chat_id)
    sa, tam, hai = Person("sa"), Person("tam"), Person("hai")
    chat = Chat(db, settings, clock)
    await ask_fixed(chat, sa, "21/11/2026", "28/02/2027")  # from today
    [request] = await requests(db)

    assert "Chi bộ xem xét và quyết định tại cuộc họp." in received(chat, sa)
    assert "Chi bộ quyết định tập thể tại cuộc họp" in received(chat, tam)
    mark = len(chat.sender.sent)
    await chat.tap(tam, chat.choice_id(tam, APPROVE))
    await settle(chat, clock)

    assert f"Đơn số {request.id} của đồng chí đã được đồng ý" in received(chat, sa, mark)
    assert "chuyển lên" not in received(chat, sa, mark)
    assert chat.last_choices(hai) == []  # nothing for the committee above to decide
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.APPROVED, None)
    assert (await member(db, teacher.id or 0)).status == MemberStatus.EXEMPTED


async def test_under_a_sub_committee_a_fixed_period_goes_to_the_base_committee(
    db: Database, settings: Settings, clock: FakeClock
):
    commune = await f.org(db, "DU-LH", OrgKind.BASE_COMMITTEE, name="Đảng bộ xã Long Hòa")
    part = await f.org(db, "DU-LH-NT", OrgKind.SUB_COMMITTEE, commune,
                       name="Đảng bộ bộ phận Nông trường")
    team = await f.org(db, "CB-D1", OrgKind.BRANCH, part, name="Chi bộ Đội 1")
    secretary = await f.member(db, "S-201", "Trương Văn Bảy", team)
    await f.role(db, secretary, team, OfficerRole.SECRETARY)
    worker = await f.member(db, "M-202", "Lý Thị Tám", team)
    part_member = await f.member(db, "P-203", "Đặng Văn Chín", team)
    await f.role(db, part_member, part, OfficerRole.BASE_COMMITTEE_MEMBER)
    commune_member = await f.member(db, "P-204", "Võ Văn Mười", team)
    await f.role(db, commune_member, commune, OfficerRole.BASE_COMMITTEE_MEMBER)
    for who, chat_id in ((secretary, "bay"), (worker, "tam"), (part_member, "chin"),
                         (commune_member, "muoi")):
        await f.link(db, who, chat_id)
    bay, tam, chin, muoi = Person("bay"), Person("tam"), Person("chin"), Person("muoi")
    chat = Chat(db, settings, clock)
    await ask_fixed(chat, tam, "01/12/2026", "28/02/2027")

    await chat.tap(bay, chat.choice_id(bay, APPROVE))
    await settle(chat, clock)

    assert "được chuyển lên Đảng bộ xã Long Hòa quyết định" in received(chat, tam)
    assert "✅ Cấp ủy đã đồng ý" in labels(chat, muoi)
    assert chat.last_choices(chin) == []
    [request] = await requests(db)
    assert (request.stage, request.stage_org_id) == (RequestStage.UPPER, commune.id)


async def retired_cadre(db: Database, people: People) -> Person:
    cadre = await f.member(db, "M-010", "Huỳnh Văn Sáu", people.org.branch, "+84912000131",
                           is_retired_cadre=True, managing_body="Ban Thường vụ Tỉnh ủy")
    await f.link(db, cadre, "sau")
    return Person("sau")


async def test_a_retired_cadre_needs_the_managing_body_first(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings.model_copy(update={"retired_cadre_consent_required": True}), clock)
    sau = await retired_cadre(db, people)
    await ask_health(chat, sau)

    to_sec = received(chat, people.sec)
    assert "Cán bộ hưu trí, cấp ủy quản lý: Ban Thường vụ Tỉnh ủy" in to_sec
    assert "Đang chờ ghi nhận ý kiến của cấp ủy quản lý" in to_sec
    assert "cơ quan quản lý" not in to_sec.lower()
    assert labels(chat, people.sec) == ["Đã có ý kiến đồng ý của cấp ủy quản lý",
                                        "Cấp ủy quản lý không đồng ý"]
    [request] = await requests(db)
    assert request.stage == RequestStage.CONSENT

    mark = len(chat.sender.sent)
    asked = await chat.tap(people.sec, chat.choice_id(people.sec, "đồng ý của cấp ủy quản lý"))
    # Which committee, when (it may predate the request), and its document's number.
    assert "Cấp ủy quản lý nào đã cho ý kiến" in asked
    assert "Cấp ủy quản lý cho ý kiến ngày nào" in await chat.say(people.sec, "1")
    assert "Số văn bản" in await chat.say(people.sec, "02/11/2026")
    summary = await chat.say(people.sec, "45-CV/TU")
    assert "Cấp ủy quản lý: Ban Thường vụ Tỉnh ủy" in summary
    assert "Ngày cấp ủy quản lý cho ý kiến: 02/11/2026" in summary
    assert "Số văn bản: 45-CV/TU" in summary
    async with db.session() as session:
        consent = (await session.exec(select(RequestDecision))).one()
    assert (consent.detail, consent.meeting_on, consent.resolution_no) == (
        {"committee": "Ban Thường vụ Tỉnh ủy"}, date(2026, 11, 2), "45-CV/TU")
    await settle(chat, clock)

    assert "Đã có ý kiến đồng ý của cấp ủy quản lý về đơn số 1" in received(chat, sau, mark)
    assert "đề nghị chi bộ xem xét" in received(chat, people.dep, mark)
    assert "✅ Chi bộ đã đồng ý" in labels(chat, people.dep)
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.PENDING, RequestStage.BRANCH)


async def test_a_refused_consent_asks_why_and_rejects(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings.model_copy(update={"retired_cadre_consent_required": True}), clock)
    sau = await retired_cadre(db, people)
    await ask_health(chat, sau)

    asked = await chat.tap(people.sec, chat.choice_id(people.sec, "Cấp ủy quản lý không"))
    assert "Xin ghi ý kiến của cấp ủy quản lý về đơn số 1" in asked
    mark = len(chat.sender.sent)
    await chat.say(people.sec, "Cấp ủy cần đồng chí tiếp tục sinh hoạt")
    await settle(chat, clock)

    assert ("Cấp ủy quản lý không đồng ý với đơn số 1. Lý do: Cấp ủy cần đồng chí tiếp tục "
            "sinh hoạt") in received(chat, sau, mark)
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.REJECTED, None)
    assert "Chi bộ đã đồng ý" not in "\n".join(labels(chat, people.dep))


async def test_a_new_secretary_receives_what_waits_and_the_old_one_may_not_act(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.mai)
    old_button = chat.choice_id(people.sec, APPROVE)
    dep_copies = received(chat, people.dep).count("Đơn số 1:")

    async with db.session() as session:
        assert await orgs.revoke(session, people.org.branch, people.org.secretary,
                                 OfficerRole.SECRETARY, clock())
        assert await orgs.assign(session, people.org.branch, people.org.husband,
                                 OfficerRole.SECRETARY, clock())
        await resend_waiting(session, settings, people.org.branch.id or 0, clock())
    mark = len(chat.sender.sent)
    await chat.flush()

    to_long = received(chat, people.long, mark)
    assert "chuyển đến đồng chí theo chức vụ mới" in to_long
    assert "Đơn số 1: xin miễn công tác và sinh hoạt đảng – đồng chí Trần Thị Mai" in to_long
    assert "✅ Chi bộ đã đồng ý" in labels(chat, people.long)
    assert received(chat, people.dep).count("Đơn số 1:") == dep_copies  # had it already

    assert NOT_ALLOWED in await chat.tap(people.sec, old_button)
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING
    # The new secretary can decide.
    await chat.tap(people.long, chat.choice_id(people.long, APPROVE))
    [request] = await requests(db)
    assert request.status == RequestStatus.APPROVED


async def test_a_secretary_asking_for_himself_goes_to_the_deputy(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    chat = Chat(db, settings, clock)
    await ask_health(chat, people.sec)

    assert "Nguyễn Văn Hùng" in received(chat, people.dep)
    assert "✅ Chi bộ đã đồng ý" in labels(chat, people.dep)
    assert "Đơn mới" not in received(chat, people.sec)
    assert "Đơn mới" not in received(chat, people.base)
    # Nobody may approve his/her own request, not even with a forged button.
    [request] = await requests(db)
    forged = f"a:xr:ok:{request.id}:{request.revision}"
    assert NOT_ALLOWED in await chat.tap(people.sec, forged)
    [request] = await requests(db)
    assert request.status == RequestStatus.PENDING

    await chat.tap(people.dep, chat.choice_id(people.dep, APPROVE))
    [request] = await requests(db)
    assert request.status == RequestStatus.APPROVED


async def test_without_a_deputy_the_secretarys_request_goes_to_the_base_committee(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    async with db.session() as session:
        assert await orgs.revoke(session, people.org.branch, people.deputy_member,
                                 OfficerRole.DEPUTY_SECRETARY, clock())
    chat = Chat(db, settings, clock)
    await ask_fixed(chat, people.sec, "01/12/2026", "28/02/2027")

    assert "Nguyễn Văn Hùng" in received(chat, people.base)
    assert "✅ Chi bộ đã đồng ý" in labels(chat, people.base)
    [request] = await requests(db)
    forged = f"a:xr:ok:{request.id}:{request.revision}"
    assert NOT_ALLOWED in await chat.tap(people.sec, forged)
    assert NOT_ALLOWED in await chat.tap(people.dep, forged)  # no longer deputy

    # The base committee, standing in for the branch, decides once: the approval is final.
    mark = len(chat.sender.sent)
    await chat.tap(people.base, chat.choice_id(people.base, APPROVE))
    await settle(chat, clock)
    assert "Đơn số 1 của đồng chí đã được đồng ý" in received(chat, people.sec, mark)
    [request] = await requests(db)
    assert (request.status, request.stage) == (RequestStatus.APPROVED, None)
    await fire_timers(db, settings, clock, chat)  # nothing is due yet
    assert (await member(db, people.org.secretary.id or 0)).status == MemberStatus.ACTIVE

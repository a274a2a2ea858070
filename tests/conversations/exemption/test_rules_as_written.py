"""The rules as written (issue 12): reasons as data, who decides, opt-in meeting reminders for
exempted members, and a decision nobody above would hear of."""

from __future__ import annotations

from pathlib import Path

from storage import org_tree
from storage.db import Database
from storage.models import Member, MemberStatus, OfficerRole, OrgKind
from tests import factories as f
from tests.conversations.exemption.conftest import (
    People,
    ask_fixed,
    ask_health,
    member,
    requests,
    settle,
)
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings


def received(chat: Chat, person: Person) -> str:
    return "\n".join(m.text for c, m in chat.sender.sent if c == person.chat_id)


def labels(chat: Chat, person: Person) -> list[str]:
    return [label for _id, label in chat.last_choices(person)]


async def start_asking(chat: Chat, person: Person) -> str:
    await chat.open_menu(person, "Đơn từ của tôi")
    await chat.tap(person, chat.choice_id(person, "Xin giảm, miễn"))
    return await chat.say(person, "2")  # exemption: the reasons follow


async def test_work_on_the_move_is_a_reason_and_a_province_adds_its_own(
    db: Database, settings: Settings, clock: FakeClock, people: People, tmp_path: Path
) -> None:
    extra = tmp_path / "reasons.toml"
    extra.write_text('[[reason]]\ncode = "flood_recovery"\n'
                     'label = { vi = "Khắc phục hậu quả lũ lụt", en = "Flood recovery" }\n',
                     encoding="utf-8")
    chat = Chat(db, settings.model_copy(update={"exemption_reasons_file": extra}), clock)
    await start_asking(chat, people.mai)
    offered = labels(chat, people.mai)
    assert any("nơi chưa có tổ chức đảng (dưới 12 tháng)" in label for label in offered)
    assert offered[-1] == "Khắc phục hậu quả lũ lụt"
    await chat.tap(people.mai, chat.choice_id(people.mai, "Khắc phục"))
    await chat.say(people.mai, "1")  # from today
    await chat.say(people.mai, "20/02/2027")
    await chat.say(people.mai, "1")  # send
    assert "Lý do: Khắc phục hậu quả lũ lụt" in received(chat, people.sec)
    [request] = await requests(db)
    assert (request.reason, request.ends_on is not None) == ("flood_recovery", True)


async def test_without_the_upper_stage_the_branch_decides_and_says_so(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    chat = Chat(db, settings.model_copy(update={"exemption_fixed_period_upper": False}), clock)
    await ask_fixed(chat, people.mai, "01/12/2026", "28/02/2027")
    assert "Chi bộ xem xét và quyết định tại cuộc họp." in received(chat, people.mai)
    assert "cấp ủy cơ sở quyết định" not in received(chat, people.mai)
    assert "Chi bộ quyết định tập thể tại cuộc họp" in received(chat, people.sec)


async def test_an_exempted_member_chooses_whether_to_be_reminded_of_meetings(
    chat: Chat, db: Database, clock: FakeClock, people: People
) -> None:
    await ask_health(chat, people.mai)
    await chat.tap(people.sec, "a:xr:ok:1:1")
    await settle(chat, clock)
    told = received(chat, people.mai)
    assert "Chibot không nhắc họp" not in told
    assert "Chibot chỉ nhắc lịch họp chi bộ nếu đồng chí muốn" in told
    assert labels(chat, people.mai) == ["Có, vẫn nhắc họp cho tôi", "Không cần nhắc họp"]
    mai = people.org.mai.id or 0
    assert (await member(db, mai)).meeting_reminders_opt_in is False  # opt-in: off until asked
    assert "không có quyền" in await chat.tap(people.long, "a:xm:on:1")  # only she may
    reply = await chat.tap(people.mai, chat.choice_id(people.mai, "Có, vẫn nhắc"))
    assert "Chibot sẽ vẫn nhắc lịch họp" in reply
    assert (await member(db, mai)).meeting_reminders_opt_in is True
    # Later, from her own information.
    await chat.open_menu(people.mai, "Thông tin của tôi")
    shown = await chat.tap(people.mai, chat.choice_id(people.mai, "Nhắc họp khi được miễn"))
    assert "Hiện Chibot vẫn nhắc lịch họp" in shown
    assert "không nhắc lịch họp" in await chat.say(people.mai, "2")
    assert (await member(db, mai)).meeting_reminders_opt_in is False


async def test_a_reduced_member_is_not_asked_and_sees_no_reminder_entry(
    chat: Chat, db: Database, clock: FakeClock, people: People
) -> None:
    await ask_health(chat, people.mai, kind="1")
    await chat.tap(people.sec, "a:xr:ok:1:1")
    await settle(chat, clock)
    [notice] = [m for c, m in chat.sender.sent if c == "mai" and "được giảm" in m.text]
    assert "Đồng chí vẫn nhận nhắc họp" in notice.text
    assert notice.choices == []
    await chat.open_menu(people.mai, "Thông tin của tôi")
    assert not any("Nhắc họp" in label for label in labels(chat, people.mai))
    assert (await member(db, people.org.mai.id or 0)).status == MemberStatus.REDUCED


async def test_a_decision_with_nobody_above_to_report_to_is_said_not_dropped(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    commune = await f.org(db, "DU-X", OrgKind.BASE_COMMITTEE, name="Đảng bộ xã Phước Hưng")
    branch = await f.org(db, "CB-X", OrgKind.BRANCH, commune, name="Chi bộ ấp Phước An")
    secretary = await f.member(db, "S-1", "Đoàn Văn Sơn", branch)
    await f.role(db, secretary, branch, OfficerRole.SECRETARY)
    applicant: Member = await f.member(db, "M-2", "Cao Thị Nga", branch)
    await f.link(db, secretary, "son")
    await f.link(db, applicant, "nga")
    son, nga = Person("son"), Person("nga")
    chat = Chat(db, settings, clock)
    await ask_health(chat, nga)
    told = await chat.tap(son, "a:xr:ok:1:1")
    assert "cấp ủy cấp trên của Chi bộ ấp Phước An chưa có ai được ghi nhận" in told
    assert "báo cáo trực tiếp" in told
    async with db.session() as session:
        [root] = await org_tree.tree(session)
    assert [(c.org.code, c.nobody_above) for c in root.children] == [("CB-X", True)]
    await f.role(db, applicant, commune, OfficerRole.BASE_COMMITTEE_MEMBER)
    async with db.session() as session:
        [root] = await org_tree.tree(session)
    assert root.children[0].nobody_above is False

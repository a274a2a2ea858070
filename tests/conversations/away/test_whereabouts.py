"""Who may see where a member is: his/her chi bộ's officers (overdue first), the base committee
(counts per chi bộ, then the list), a host chi bộ (name, dates, contact only), nobody else;
and the same flow over a text channel's typed choices (Zalo)."""

from __future__ import annotations

from storage.db import Database
from storage.models import Organisation
from tests.conversations.away.conftest import TAM, decide, leave, received, records
from tests.conversations.exemption.conftest import People, fire_timers
from tests.support import TYPED, Chat, FakeClock
from vocabulary.settings import Settings

APPROVE = "đã đồng ý"


def last_to(chat: Chat, chat_id: str) -> str:
    """The last message to a chat, with the named options a text channel shows."""
    return next(m.text + "\n" + "\n".join(line for _id, line in m.named)
                for c, m in reversed(chat.sender.sent) if c == chat_id)


async def _two_away(chat: Chat, people: People, clock: FakeClock, db: Database,
                    settings: Settings) -> None:
    """Long is overdue (back expected 30/11), Mai away until the end of January."""
    await leave(chat, people.long, "inform", "30/11/2026")
    await decide(chat, people.sec, "Đã ghi nhận")
    await leave(chat, people.mai, "inform", "31/01/2027")
    await decide(chat, people.sec, "Đã ghi nhận")
    clock.advance(days=12)
    await fire_timers(db, settings, clock, chat)


async def test_the_secretary_lists_those_away_overdue_first(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await _two_away(chat, people, clock, db, settings)
    mark = len(chat.sender.sent)
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đảng viên đang ở xa"))
    shown = received(chat, people.sec, mark)
    assert "Đảng viên đang ở xa (2)" in shown
    assert shown.index("Đỗ Văn Long") < shown.index("Trần Thị Mai")
    assert "từ 21/11/2026 đến 30/11/2026; báo chi bộ về việc đi làm ăn xa; quá hạn về" in shown
    assert "đến 31/01/2027; báo chi bộ về việc đi làm ăn xa; đang ở xa" in shown
    assert "liên lạc lần cuối 21/11/2026" in shown


async def test_the_base_committee_sees_counts_per_chi_bo_then_the_list(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People
):
    await _two_away(chat, people, clock, db, settings)
    mark = len(chat.sender.sent)
    await chat.open_menu(people.base, "Việc của cấp ủy")
    await chat.tap(people.base, chat.choice_id(people.base, "Đảng viên đang ở xa"))
    assert "2 đảng viên đang ở xa, ở 1 chi bộ" in received(chat, people.base, mark)
    branch = chat.choice_id(people.base, "Chi bộ ấp Bình Minh: 2 (quá hạn 1)")
    forged = await chat.tap(people.base, branch.rsplit(":", 1)[0] + ":999")  # not under it
    assert "Trần Thị Mai" not in forged
    mark = len(chat.sender.sent)
    await chat.tap(people.base, branch)
    shown = received(chat, people.base, mark)
    assert "Phường Dĩ An" in shown
    assert "Trần Thị Mai" in shown


async def test_a_plain_member_and_another_chi_bo_see_nothing(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, people: People,
    host: Organisation
):
    await _two_away(chat, people, clock, db, settings)
    await chat.say(people.long, "/menu")
    assert not [c for c in chat.last_choices(people.long) if "cấp ủy" in c[1]]
    mark = len(chat.sender.sent)
    await chat.open_menu(TAM, "Việc của cấp ủy")
    await chat.tap(TAM, chat.choice_id(TAM, "Đảng viên đang ở xa"))
    shown = received(chat, TAM, mark)
    assert "Không có đảng viên nào đang ở xa" in shown
    assert "Trần Thị Mai" not in shown


async def test_a_host_chi_bo_lists_its_guest_by_name_dates_and_contact_only(
    chat: Chat, db: Database, people: People, host: Organisation
):
    await leave(chat, people.mai, "transfer", "1", host=["hòa bình", "1"],
                phone="0987 111 222")
    await decide(chat, people.sec, APPROVE)
    await decide(chat, TAM, "Xác nhận")
    mark = len(chat.sender.sent)
    await chat.open_menu(TAM, "Việc của cấp ủy")
    await chat.tap(TAM, chat.choice_id(TAM, "Đảng viên đang ở xa"))
    shown = received(chat, TAM, mark)
    assert "Đảng viên nơi khác đến sinh hoạt tạm thời (1)" in shown
    assert "• Trần Thị Mai: từ 21/11/2026 đến 19/11/2027; điện thoại 0987 111 222" in shown
    assert "Phường Dĩ An" not in shown
    mark = len(chat.sender.sent)
    await chat.open_menu(people.sec, "Việc của cấp ủy")
    await chat.tap(people.sec, chat.choice_id(people.sec, "Đảng viên đang ở xa"))
    assert "chuyển sinh hoạt đảng tạm thời" in received(chat, people.sec, mark)


async def test_over_typed_choices_a_number_answers_only_what_it_names(
    db: Database, settings: Settings, clock: FakeClock, people: People
):
    typed = Chat(db, settings, clock, TYPED)
    await typed.say(people.sec, "/menu")
    reply = await leave(typed, people.mai, "inform", "15/12/2026")
    assert "Đã gửi đơn số 1." in reply
    assert "Trả lời «1 1» để chọn: ✅ Đã ghi nhận" in last_to(typed, people.sec.chat_id)
    reply = await typed.say(people.sec, "1")  # his menu's first entry, never the request
    assert "Đã ghi" not in reply
    await typed.say(people.sec, "hủy")
    await typed.say(people.sec, "1 1")
    reply = await typed.say(people.sec, "1")  # yes, that one
    assert "đã ghi nhận" in reply
    assert len(await records(db)) == 1

    clock.advance(days=25)
    await fire_timers(db, settings, clock, typed)
    asked = last_to(typed, people.mai.chat_id)
    assert "Trả lời «1 1» để chọn: Vẫn còn ở xa" in asked
    assert "Trả lời «3 1» để chọn: Xin gia hạn" in asked
    mark = len(typed.sender.sent)
    await typed.say(people.mai, "1 1")
    reply = await typed.say(people.mai, "1")
    assert "vẫn còn ở xa" in reply
    assert "báo vẫn còn ở xa" in received(typed, people.sec, mark)

"""The conversation engine as a member or secretary meets it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from conversations.catalogue import default_registry
from storage.db import Database
from storage.models import ChatAccount, Conversation, Member
from tests.conversations.away.test_cancel import AWAY_PATHS
from tests.conversations.conftest import Branch, register
from tests.conversations.desk.test_cancel import DESK_PATHS
from tests.conversations.exemption.test_cancel import EXEMPTION_PATHS
from tests.conversations.meetings.test_cancel import MEETING_PATHS
from tests.conversations.topics.test_cancel import BEFORE_SENDING, TOPIC_PATHS
from tests.support import Chat, FakeClock, Person
from vocabulary.settings import Settings
from vocabulary.types import InboundKind


@pytest.fixture
async def mai(chat: Chat, org: Branch) -> Person:
    person = Person("tg-mai")
    await register(chat, person, "0912 000 102")
    return person


@pytest.fixture
async def secretary(chat: Chat, org: Branch) -> Person:
    person = Person("tg-hung")
    await register(chat, person, "0912 000 101")
    return person


async def state(db: Database, person: Person) -> Conversation:
    async with db.session() as session:
        found = await session.get(Conversation, ("terminal", person.chat_id))
    assert found is not None
    return found


async def test_a_conversation_survives_a_restart_mid_flow(
    db: Database, settings: Settings, clock: FakeClock, org: Branch
):
    first = Chat(db, settings, clock)
    mai = Person("tg-mai")
    await first.say(mai, "xin chào")
    await first.say(mai, "đồng ý")
    await db.dispose()  # the process dies between two messages

    reborn = Database(settings.effective_database_url)
    try:
        second = Chat(reborn, settings, clock)
        reply = await second.share_contact(mai, "0912 000 102")
    finally:
        await reborn.dispose()
    assert "Cảm ơn đồng chí Trần Thị Mai" in reply


# Each (flow, step) with the inputs that reach it from a linked member's idle chat.
PATHS: dict[tuple[str, str], list[str]] = {
    ("mydata", "show"): ["/mydata"],
    ("mydata", "confirm_withdraw"): ["/mydata", "rút lại"],
    ("mydata", "confirm_correct"): ["/mydata", "đề nghị sửa"],
    ("mydata", "confirm_delete"): ["/mydata", "đề nghị xóa"],
    ("language", "choose"): ["/language"],
    ("invite", "who"): ["/invite"],
    ("invite", "pick"): ["/invite", "Thị"],
    ("announce", "text"): ["/announce"],
    ("announce", "confirm"): ["/announce", "Họp chi bộ tối thứ Sáu"],
}
UNLINKED_PATHS: dict[tuple[str, str], list[str]] = {
    ("registration", "consent"): ["xin chào"],
    ("registration", "identify"): ["xin chào", "đồng ý"],
}


def test_every_step_of_every_flow_has_a_cancel_test() -> None:
    registry = default_registry()
    steps = {(flow.name, step) for flow in registry.flows.values() for step in flow.steps}
    assert steps == set(PATHS) | set(UNLINKED_PATHS) | set(EXEMPTION_PATHS) | set(MEETING_PATHS) \
        | set(TOPIC_PATHS) | set(BEFORE_SENDING) \
        | set(AWAY_PATHS) | set(DESK_PATHS)


@pytest.mark.parametrize("path", sorted(PATHS))
async def test_cancel_at_every_step(chat: Chat, db: Database, org: Branch, secretary: Person,
                                    path: tuple[str, str]):
    for text in PATHS[path]:
        await chat.say(secretary, text)
    before = await state(db, secretary)
    assert (before.flow, before.step) == path
    reply = await chat.say(secretary, "/cancel")
    assert "Đã hủy" in reply
    after = await state(db, secretary)
    assert (after.flow, after.step, after.data) == (None, None, {})


@pytest.mark.parametrize("path", sorted(UNLINKED_PATHS))
async def test_cancel_during_registration(chat: Chat, db: Database, org: Branch,
                                          path: tuple[str, str]):
    stranger = Person("tg-new")
    for text in UNLINKED_PATHS[path]:
        await chat.say(stranger, text)
    assert ((await state(db, stranger)).flow, (await state(db, stranger)).step) == path
    reply = await chat.say(stranger, "hủy")
    assert "Đã hủy" in reply
    assert (await state(db, stranger)).flow is None


async def test_an_old_button_gets_a_clear_answer(chat: Chat, mai: Person):
    await chat.say(mai, "/language")
    old_english = chat.choice_id(mai, "English")
    await chat.tap(mai, old_english)
    reply = await chat.tap(mai, old_english)
    assert "earlier question" in reply
    assert "What would you like to do" in reply


async def test_a_forged_choice_is_treated_as_stale(chat: Chat, mai: Person):
    reply = await chat.tap(mai, "a:nosuchaction:42")
    assert "câu hỏi cũ" in reply


async def test_help_names_the_secretary_and_phone_at_any_step(chat: Chat, mai: Person):
    await chat.say(mai, "/mydata")
    reply = await chat.say(mai, "trợ giúp")
    assert "Bí thư chi bộ: Nguyễn Văn Hùng – 0912 000 101" in reply
    # ...and the question he/she was answering is asked again, with its options.
    assert [label for _, label in chat.last_choices(mai)] == [
        "Gửi cho tôi bản sao (tệp)", "Đề nghị sửa thông tin sai", "Đề nghị xóa dữ liệu",
        "Rút lại sự đồng ý", "Quay lại"]


async def test_input_is_forgiving(chat: Chat, mai: Person, db: Database):
    await chat.say(mai, "NGÔN   NGỮ")
    assert (await state(db, mai)).flow == "language"
    reply = await chat.say(mai, "english")
    assert "answer in English" in reply
    reply = await chat.say(mai, "tieng viet")
    assert "Đồng chí cần làm gì" not in reply  # "tiếng việt" here is not a menu option
    await chat.say(mai, "ngon ngu")
    assert "tiếng Việt" in await chat.say(mai, "Tiếng  Việt.")


async def test_profile_shows_my_branch_and_officers(chat: Chat, mai: Person):
    await chat.say(mai, "3")  # «my information»
    reply = await chat.say(mai, "1")
    assert "Trần Thị Mai" in reply
    assert "Chi bộ ấp Bình Minh" in reply
    assert "Nguyễn Văn Hùng" in reply


async def test_my_data_lists_accounts_and_consent(chat: Chat, mai: Person):
    reply = await chat.say(mai, "/mydata")
    assert "Dòng lệnh (chạy thử): gắn lúc" in reply
    assert "Đồng ý xử lý dữ liệu (bản 2026-12)" in reply


async def test_withdrawing_consent_unlinks_the_account(chat: Chat, mai: Person, db: Database):
    await chat.say(mai, "/mydata")
    await chat.say(mai, "rút lại sự đồng ý")
    reply = await chat.say(mai, "có, rút lại")
    assert "Đã rút lại" in reply
    async with db.session() as session:
        assert (await session.exec(select(ChatAccount))).all() == []
    assert "91/2025/QH15" in await chat.say(mai, "menu")


async def test_unsupported_messages_get_a_polite_answer(chat: Chat, mai: Person):
    replies = await chat.send(mai, kind=InboundKind.UNSUPPORTED)
    text = "\n".join(r.text for r in replies)
    assert "tin nhắn thoại" in text
    assert "Nguyễn Văn Hùng" in text


async def redeem(chat: Chat, person: Person, issued: str) -> str:
    """Register with the code quoted in an officer's 'invite code for X: CODE' reply."""
    code = issued.split(": ", 1)[1].split()[0]
    await chat.say(person, "xin chào")
    await chat.say(person, "vâng")
    return await chat.say(person, code)


async def test_a_secretary_issues_an_invite_code_in_chat(chat: Chat, org: Branch,
                                                         secretary: Person):
    await chat.open_menu(secretary, "Thông báo, mã mời, số liệu")
    await chat.tap(secretary, chat.choice_id(secretary, "mã mời"))
    reply = await chat.say(secretary, "Hạnh")
    assert "Mã mời cho đồng chí Ngô Thị Hạnh:" in reply
    assert "Cảm ơn đồng chí Ngô Thị Hạnh" in await redeem(chat, Person("tg-hanh"), reply)


async def test_a_plain_member_cannot_issue_codes(chat: Chat, mai: Person):
    assert "mã mời" not in " ".join(label for _, label in chat.last_choices(mai)).lower()
    reply = await chat.say(mai, "/invite")
    assert "Chỉ bí thư" in reply


async def test_an_unknown_command_is_named(chat: Chat, mai: Person):
    assert "/fly" in await chat.say(mai, "/fly")


async def test_an_officer_cannot_issue_his_own_code(chat: Chat, secretary: Person):
    await chat.say(secretary, "/invite")
    reply = await chat.say(secretary, "Nguyễn Văn Hùng")
    assert "Không tìm thấy" in reply


async def test_linking_a_second_account_alerts_the_first(chat: Chat, org: Branch, mai: Person,
                                                         secretary: Person):
    await chat.say(secretary, "/invite")
    reply = await chat.say(secretary, "Trần Thị Mai")
    assert "đã gắn tài khoản" in reply
    await redeem(chat, Person("tg-intruder"), reply)
    alerts = [m.text for chat_id, m in chat.sender.sent if chat_id == mai.chat_id]
    assert "vừa được gắn thêm" in alerts[-1]


async def test_a_secretary_is_pointed_to_the_committee_above(chat: Chat, db: Database,
                                                              org: Branch, secretary: Person):
    from storage.models import OfficerRole
    from tests import factories as f

    chair = await f.member(db, "U-1", "Lê Văn Chủ", org.branch, "+84912000999")
    await f.role(db, chair, org.base, OfficerRole.BASE_COMMITTEE_MEMBER)
    reply = await chat.say(secretary, "trợ giúp")
    assert "Đảng ủy viên: Lê Văn Chủ – 0912 000 999" in reply
    profile = await chat.say(secretary, "/profile")
    assert "Bí thư chi bộ (Chi bộ ấp Bình Minh)" in profile


async def test_typed_phone_and_grouped_codes_are_understood(chat: Chat, db: Database,
                                                            settings: Settings, clock: FakeClock,
                                                            org: Branch):
    from conversations import identity

    async with db.session() as session:
        member = await session.get(Member, org.mai.id)
        assert member is not None
        code, _ = await identity.issue_invite(session, settings, member, clock(), None)
    mai = Person("tg-mai")
    await chat.say(mai, "chào")
    await chat.say(mai, "ok")
    assert "nút" in await chat.say(mai, "0912 000 102")
    grouped = " ".join(code[i:i + 4] for i in range(0, len(code), 4))
    assert "Cảm ơn đồng chí Trần Thị Mai" in await chat.say(mai, grouped)


async def test_a_secretary_whose_role_ends_mid_announcement_cannot_send(
    chat: Chat, db: Database, org: Branch, secretary: Person
):
    from sqlmodel import select

    from storage.models import Broadcast, Officer

    await chat.say(secretary, "thông báo")
    await chat.say(secretary, "Họp chi bộ tối thứ Sáu")
    async with db.session() as session:
        role = (await session.exec(select(Officer))).one()
        role.ended_at = role.started_at
        session.add(role)
    reply = await chat.say(secretary, "gửi ngay")
    assert "Chỉ bí thư hoặc phó bí thư" in reply
    async with db.session() as session:
        assert (await session.exec(select(Broadcast))).all() == []


async def test_a_member_who_leaves_mid_flow_is_asked_to_register(chat: Chat, db: Database,
                                                                  org: Branch, mai: Person):
    from storage.models import MemberStatus

    await chat.say(mai, "/mydata")
    async with db.session() as session:
        member = await session.get(Member, org.mai.id)
        assert member is not None
        member.status = MemberStatus.LEFT
    reply = await chat.say(mai, "rút lại")
    assert "91/2025/QH15" in reply
    assert "sự cố" not in reply


async def test_an_empty_or_overlong_announcement_is_asked_again(chat: Chat, secretary: Person):
    from conversations.announce.flows import MAX_LENGTH

    await chat.say(secretary, "thông báo")
    too_long = await chat.say(secretary, "x" * (MAX_LENGTH + 1))
    assert f"({MAX_LENGTH + 1} ký tự)" in too_long
    assert "gõ nội dung thông báo" in too_long  # the same question again, nothing sent
    preview = await chat.say(secretary, "Họp chi bộ")
    assert "Xem trước" in preview


@pytest.mark.parametrize(("typed", "expected"), [("H", "ít nhất 2 chữ"),
                                                  ("Văn", "người khớp")])
async def test_an_invite_search_that_cannot_pick_one_member_explains_why(
    chat: Chat, db: Database, org: Branch, secretary: Person, typed: str, expected: str
):
    from conversations.member_search import MAX_MATCHES
    from tests import factories as f

    for number in range(MAX_MATCHES):
        await f.member(db, f"V-{number}", f"Lê Văn Số {number}", org.branch)
    await chat.say(secretary, "/invite")
    reply = await chat.say(secretary, typed)
    assert expected in reply
    assert (await state(db, secretary)).step == "who"  # asked again, nothing issued

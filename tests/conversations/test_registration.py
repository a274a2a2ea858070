"""Linking a chat account to a roster member: consent first, then proof of identity."""

from __future__ import annotations

from sqlmodel import func, select

from bot.settings import Settings
from conversations import identity
from storage.db import Database
from storage.models import AuditEntry, ChatAccount, Consent, InviteCode, Member, MemberStatus
from tests.conversations.conftest import Branch, register
from tests.support import Chat, FakeClock, Person


async def count(db: Database, table: type) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


async def issue(db: Database, settings: Settings, member: Member, clock: FakeClock) -> str:
    async with db.session() as session:
        code, _ = await identity.issue_invite(session, settings, member, clock(), None)
    return code


async def test_consent_is_asked_before_anything_is_kept(chat: Chat, db: Database, org: Branch):
    mai = Person("tg-mai")
    first = await chat.say(mai, "xin chào")
    assert "91/2025/QH15" in first
    assert "Ai được xem" in first
    assert "rút lại" in first
    assert await count(db, ChatAccount) == 0
    assert await count(db, Consent) == 0

    await chat.say(mai, "dong y")
    reply = await chat.share_contact(mai, "0912 000 102")

    assert "Trần Thị Mai" in reply
    assert "Chi bộ ấp Bình Minh" in reply
    async with db.session() as session:
        consent = (await session.exec(select(Consent))).one()
        account = (await session.exec(select(ChatAccount))).one()
    assert consent.member_id == org.mai.id == account.member_id
    assert consent.given_at <= account.linked_at


async def test_declining_consent_keeps_nothing(chat: Chat, db: Database, org: Branch):
    mai = Person("tg-mai")
    await chat.say(mai, "xin chào")
    reply = await chat.say(mai, "không đồng ý")
    assert "không lưu thêm gì" in reply
    await chat.share_contact(mai, "0912 000 102")
    assert await count(db, ChatAccount) == 0
    assert await count(db, Consent) == 0


async def test_a_forwarded_contact_of_another_person_is_refused(chat: Chat, db: Database,
                                                                 org: Branch):
    stranger = Person("tg-stranger")
    await chat.say(stranger, "hi")
    await chat.say(stranger, "1")
    reply = await chat.share_contact(stranger, "0912 000 102", owner="tg-mai")
    assert "chính đồng chí" in reply
    reply = await chat.share_contact(stranger, "0912 000 102", owner=None)
    assert "chính đồng chí" in reply
    assert await count(db, ChatAccount) == 0


async def test_unknown_number_gets_a_polite_refusal_without_member_data(chat: Chat, db: Database,
                                                                        org: Branch):
    stranger = Person("tg-stranger")
    reply = await register(chat, stranger, "0987 654 321")
    assert "không có trong danh sách" in reply
    assert "Nguyễn Văn Hùng" not in reply
    profile = await chat.say(stranger, "/profile")
    assert "Trần Thị Mai" not in profile
    assert "Nguyễn Văn Hùng" not in profile
    assert "gõ mã mời" in profile  # still asked who he/she is, nothing else
    assert await count(db, ChatAccount) == 0


async def test_a_shared_phone_needs_an_invite_code(chat: Chat, db: Database, settings: Settings,
                                                   clock: FakeClock, org: Branch):
    wife = Person("tg-hanh")
    reply = await register(chat, wife, "0912000109")
    assert "dùng chung" in reply
    code = await issue(db, settings, org.wife, clock)
    reply = await chat.say(wife, code.lower())
    assert "Ngô Thị Hạnh" in reply
    async with db.session() as session:
        account = (await session.exec(select(ChatAccount))).one()
    assert account.member_id == org.wife.id


async def test_an_invite_code_works_once(chat: Chat, db: Database, settings: Settings,
                                         clock: FakeClock, org: Branch):
    code = await issue(db, settings, org.mai, clock)
    first, second = Person("tg-mai"), Person("tg-other")
    for person in (first, second):
        await chat.say(person, "hello")
        await chat.say(person, "đồng ý")
    assert "Trần Thị Mai" in await chat.say(first, code)
    reply = await chat.say(second, code)
    assert "đã được dùng" in reply
    assert await count(db, ChatAccount) == 1


async def test_an_expired_code_is_refused(chat: Chat, db: Database, settings: Settings,
                                          clock: FakeClock, org: Branch):
    code = await issue(db, settings, org.mai, clock)
    clock.advance(days=settings.invite_code_ttl_days, seconds=1)
    mai = Person("tg-mai")
    await chat.say(mai, "hello")
    await chat.say(mai, "1")
    assert "hết hạn" in await chat.say(mai, code)
    assert await count(db, ChatAccount) == 0


async def test_codes_are_stored_only_as_hmac(db: Database, settings: Settings, clock: FakeClock,
                                             org: Branch):
    code = await issue(db, settings, org.mai, clock)
    assert len(code) >= 8
    assert not set(code) & set("0O1IL5S2Z")
    async with db.session() as session:
        stored = (await session.exec(select(InviteCode))).one()
    assert code not in stored.code_hash
    assert stored.code_hash == identity.code_hash(settings.server_secret(), code)


async def test_wrong_codes_are_limited_per_chat_per_hour(chat: Chat, db: Database,
                                                          settings: Settings, clock: FakeClock,
                                                          org: Branch):
    code = await issue(db, settings, org.mai, clock)
    mai = Person("tg-mai")
    await chat.say(mai, "hello")
    await chat.say(mai, "1")
    for _ in range(settings.invite_attempts_per_hour):
        assert "không đúng" in await chat.say(mai, "WRONGCODE99")
    # Even the right code is refused now, and the flow stops.
    assert "quá nhiều lần" in await chat.say(mai, code)
    assert await count(db, ChatAccount) == 0

    clock.advance(hours=1, seconds=1)
    await chat.say(mai, "hello")
    await chat.say(mai, "1")
    assert "Trần Thị Mai" in await chat.say(mai, code)


async def test_start_with_a_deep_link_code(chat: Chat, db: Database, settings: Settings,
                                           clock: FakeClock, org: Branch):
    code = await issue(db, settings, org.mai, clock)
    mai = Person("tg-mai")
    assert "91/2025/QH15" in await chat.say(mai, f"/start {code}")
    assert "Trần Thị Mai" in await chat.say(mai, "đồng ý")


async def test_linking_is_audited(chat: Chat, db: Database, org: Branch):
    await register(chat, Person("tg-mai"), "0912 000 102")
    async with db.session() as session:
        entry = (await session.exec(
            select(AuditEntry).where(AuditEntry.action == "account.linked"))).one()
    assert entry.detail == {"proof": "contact"}
    assert entry.subject_id == str(org.mai.id)


async def test_english_speaker_can_switch_before_agreeing(chat: Chat, org: Branch):
    mai = Person("tg-mai")
    await chat.say(mai, "hello")
    reply = await chat.say(mai, "English")
    assert "Do you agree" in reply
    assert "Thank you, Trần Thị Mai" in await register_after_consent(chat, mai)


async def register_after_consent(chat: Chat, person: Person) -> str:
    await chat.say(person, "I agree")
    return await chat.share_contact(person, "0912 000 102")


async def test_the_code_lifetime_follows_the_setting(chat: Chat, db: Database,
                                                     settings: Settings, clock: FakeClock,
                                                     org: Branch):
    short = settings.model_copy(update={"invite_code_ttl_days": 2})
    first, second = await issue(db, short, org.mai, clock), await issue(db, short, org.wife, clock)
    clock.advance(days=1)
    mai, hanh = Person("tg-mai"), Person("tg-hanh")
    for person in (mai, hanh):
        await chat.say(person, "chào")
        await chat.say(person, "vâng")
    assert "Trần Thị Mai" in await chat.say(mai, first)
    clock.advance(days=1, seconds=1)
    assert "hết hạn" in await chat.say(hanh, second)


async def test_a_member_who_left_is_served_as_a_stranger(chat: Chat, db: Database, org: Branch):
    mai = Person("tg-mai")
    await register(chat, mai, "0912 000 102")
    async with db.session() as session:
        member = await session.get(Member, org.mai.id)
        assert member is not None
        member.status = MemberStatus.LEFT
    reply = await chat.say(mai, "/profile")
    assert "Trần Thị Mai" not in reply
    assert "91/2025/QH15" in reply


async def test_a_typed_phone_is_not_a_wrong_code_and_uses_up_no_attempt(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, org: Branch
):
    code = await issue(db, settings, org.mai, clock)
    mai = Person("tg-mai")
    await chat.say(mai, "hello")
    await chat.say(mai, "1")
    for typed in ("0912 000 102", "+84912000102", "0912.000.102", "0912000102"):
        reply = await chat.say(mai, typed)
        assert "Chia sẻ số điện thoại" in reply
        assert "không đúng" not in reply
    for _ in range(settings.invite_attempts_per_hour - 1):
        await chat.say(mai, "WRONGCODE99")
    assert "Trần Thị Mai" in await chat.say(mai, code)  # the phones used up no attempt


async def test_without_a_contact_button_a_typed_phone_is_told_to_use_an_invite_code(
    db: Database, settings: Settings, clock: FakeClock, org: Branch
):
    from conversations.types import ChannelInfo

    typed = Chat(db, settings, clock, ChannelInfo("terminal", False, True, buttons=False))
    mai = Person("zl-mai")
    await typed.say(mai, "hello")
    await typed.say(mai, "1")
    reply = await typed.say(mai, "0912000102")
    assert "không kiểm tra được số điện thoại gõ tay" in reply
    assert "không đúng" not in reply
    assert "Chia sẻ số điện thoại" not in reply


def test_no_issued_code_can_be_read_as_a_phone_number(monkeypatch):
    digits_first = iter("0912000102" + "K7M4PQ9XTA")
    monkeypatch.setattr(identity.secrets, "choice", lambda _alphabet: next(digits_first))
    code = identity.new_code(10, "VN")
    assert code == "K7M4PQ9XTA"  # "0912000102" looked like a phone and was drawn again


async def test_a_member_without_an_official_date_is_not_called_probationary(
    chat: Chat, org: Branch
):
    mai = Person("tg-mai")
    await register(chat, mai, "+84912000102")
    profile = await chat.say(mai, "/profile")
    assert "Ngày chính thức: chưa ghi trong danh sách" in profile
    assert "dự bị" not in profile

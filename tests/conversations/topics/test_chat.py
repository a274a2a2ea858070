"""Members read the month's topics and write reflections; the secretary sees who read them,
what was shared with him/her, and changes the next month's topics before they go out."""

from __future__ import annotations

from sqlmodel import select

from conversations.topics import reflections
from storage.db import Database
from storage.models import TopicRead, TopicReflection, TopicRound
from tests.conversations.topics.conftest import BASE, DEC_1, LONG, MAI, SEC, Branch, send
from tests.support import TYPED, Chat, FakeClock
from vocabulary.settings import Settings
from vocabulary.types import FileRef


async def _sent(db: Database, settings: Settings, clock: FakeClock, chat: Chat) -> None:
    clock.now = DEC_1
    await send(db, settings, "2026-12", DEC_1)
    await chat.flush()


async def _reads(db: Database) -> set[int]:
    async with db.session() as session:
        return set((await session.exec(select(TopicRead.member_id))).all())


async def test_a_tap_on_read_is_counted_once_and_the_secretary_sees_who_has_not(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _sent(db, settings, clock, chat)
    read = chat.choice_id(MAI, "Đã đọc")
    assert "Đã ghi nhận" in await chat.tap(MAI, read)
    assert "đã xác nhận đọc" in await chat.tap(MAI, read)
    assert await _reads(db) == {org.mai.id}
    await chat.open_menu(SEC, "Sinh hoạt chi bộ")
    await chat.tap(SEC, chat.choice_id(SEC, "Chủ đề tháng"))
    shown = await chat.tap(SEC, chat.choice_id(SEC, "Ai đã đọc"))
    assert "1/4" in shown
    assert "Đỗ Văn Long" in shown
    assert "Trần Thị Mai" not in shown.split("Chưa đọc")[1]


async def test_read_is_typed_by_its_code_on_a_text_channel(
        db: Database, settings: Settings, clock: FakeClock, org: Branch) -> None:
    chat = Chat(db, settings, clock, info=TYPED)
    await _sent(db, settings, clock, chat)
    [named] = [m.named for c, m in chat.sender.sent if c == LONG.chat_id]
    assert "Trả lời «1 12/2026» để chọn: Đã đọc" in "\n".join(line for _id, line in named)
    confirm = await chat.say(LONG, "1 12/2026")
    assert "Đã đọc" in confirm
    await chat.say(LONG, "1")  # yes, that is what I meant
    assert await _reads(db) == {org.exempted.id}


async def _reflect(chat: Chat, share: str, text: str) -> str:
    await chat.open_menu(MAI, "Sinh hoạt chi bộ")
    await chat.tap(MAI, chat.choice_id(MAI, "Chủ đề tháng"))
    await chat.tap(MAI, chat.choice_id(MAI, "Viết tự soi"))
    await chat.tap(MAI, chat.choice_id(MAI, "Nội dung A2"))
    await chat.say(MAI, text)
    return await chat.tap(MAI, chat.choice_id(MAI, share))


async def _shared_view(chat: Chat) -> str:
    await chat.open_menu(SEC, "Sinh hoạt chi bộ")
    await chat.tap(SEC, chat.choice_id(SEC, "Chủ đề tháng"))
    return await chat.tap(SEC, chat.choice_id(SEC, "Tự soi được chia sẻ"))


async def test_a_private_reflection_is_the_members_alone_and_a_shared_one_the_secretarys(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _sent(db, settings, clock, chat)
    assert "chỉ mình đồng chí" in await _reflect(chat, "Giữ riêng", "Tôi còn ngại học lý luận.")
    assert "Tôi còn ngại" not in await _shared_view(chat)
    await _reflect(chat, "Chia sẻ với bí thư", "Tôi sẽ học nghị quyết đều hơn.")
    assert "Tôi sẽ học nghị quyết đều hơn." in await _shared_view(chat)
    await chat.open_menu(BASE, "Sinh hoạt chi bộ")  # the committee above: no way in
    await chat.tap(BASE, chat.choice_id(BASE, "Chủ đề tháng"))
    assert all("chia sẻ" not in label for _id, label in chat.last_choices(BASE))


async def test_an_empty_or_too_long_reflection_is_asked_again_and_nothing_is_lost(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _sent(db, settings, clock, chat)
    await chat.open_menu(MAI, "Sinh hoạt chi bộ")
    await chat.tap(MAI, chat.choice_id(MAI, "Chủ đề tháng"))
    await chat.tap(MAI, chat.choice_id(MAI, "Viết tự soi"))
    await chat.tap(MAI, chat.choice_id(MAI, "Nội dung A2"))
    assert "Đồng chí chưa viết gì." in await chat.say(MAI, "   ")
    limit = settings.topics_reflection_max_chars
    too_long = await chat.say(MAI, "x" * (limit + 1))
    assert f"Bài viết dài {limit + 1} ký tự, quá {limit}." in too_long
    await chat.say(MAI, "Tôi còn ngại học lý luận.")  # the same step: the item stays chosen
    assert "chỉ mình đồng chí" in await chat.tap(MAI, chat.choice_id(MAI, "Giữ riêng"))
    async with db.session() as session:
        stored = (await session.exec(select(TopicReflection))).all()
    assert [(r.member_id, r.text, r.shared) for r in stored] == [
        (org.mai.id, "Tôi còn ngại học lý luận.", False)]


async def test_a_member_deletes_a_reflection(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _sent(db, settings, clock, chat)
    await _reflect(chat, "Giữ riêng", "Tôi còn ngại học lý luận.")
    await chat.open_menu(MAI, "Sinh hoạt chi bộ")
    await chat.tap(MAI, chat.choice_id(MAI, "Chủ đề tháng"))
    listed = await chat.tap(MAI, chat.choice_id(MAI, "Tự soi, tự sửa của tôi"))
    assert "Tôi còn ngại học lý luận." in listed
    assert "Đã xóa" in await chat.tap(MAI, chat.choice_id(MAI, "Xóa bài"))
    async with db.session() as session:
        assert (await session.exec(select(TopicReflection))).all() == []


async def test_the_secretary_swaps_and_adds_a_topic_before_the_send_day(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await chat.open_menu(SEC, "Sinh hoạt chi bộ")
    shown = await chat.tap(SEC, chat.choice_id(SEC, "Chủ đề tháng"))
    assert "12/2026 (dự kiến)" in shown
    assert "1/2027 (dự kiến)" in shown
    await chat.tap(SEC, chat.choice_id(SEC, "Đổi một chủ đề"))
    assert "A1, C4, A3" in await chat.say(SEC, "A2 C4")
    await chat.say(SEC, "/menu")
    await chat.tap(SEC, chat.choice_id(SEC, "Sinh hoạt chi bộ"))
    await chat.tap(SEC, chat.choice_id(SEC, "Chủ đề tháng"))
    await chat.tap(SEC, chat.choice_id(SEC, "Thêm một chủ đề"))
    await chat.say(SEC, "C5")
    await _sent(db, settings, clock, chat)
    async with db.session() as session:
        sent = (await session.exec(select(TopicRound))).one()
    assert [p["code"] for p in sent.items] == ["A1", "C4", "A3", "C5"]


async def test_the_voice_note_goes_out_with_the_topics(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await chat.open_menu(SEC, "Sinh hoạt chi bộ")
    await chat.tap(SEC, chat.choice_id(SEC, "Chủ đề tháng"))
    await chat.tap(SEC, chat.choice_id(SEC, "Ghi âm"))
    voice = FileRef("voice/2026-12.ogg", "voice.ogg", "audio/ogg", 4000)
    assert "Đã lưu lời giới thiệu" in await chat.send_file(SEC, voice)
    await _sent(db, settings, clock, chat)
    [message] = [m for c, m in chat.sender.sent if c == MAI.chat_id]
    assert message.attachment == voice
    assert "giọng nói" in message.text


async def test_reflections_go_after_the_retention_period_and_when_consent_is_withdrawn(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _sent(db, settings, clock, chat)
    await _reflect(chat, "Giữ riêng", "Tôi còn ngại học lý luận.")
    clock.advance(days=settings.topics_reflection_retention_days + 1)
    await chat.open_menu(MAI, "Sinh hoạt chi bộ")
    await chat.tap(MAI, chat.choice_id(MAI, "Chủ đề tháng"))
    assert "chưa có bài" in await chat.tap(MAI, chat.choice_id(MAI, "Tự soi, tự sửa của tôi"))
    async with db.session() as session:
        assert await reflections.purge_expired(session, settings, clock()) == 1


async def test_withdrawing_consent_deletes_the_members_reflections(
        db: Database, settings: Settings, clock: FakeClock, chat: Chat, org: Branch) -> None:
    await _sent(db, settings, clock, chat)
    await _reflect(chat, "Chia sẻ với bí thư", "Tôi sẽ học nghị quyết đều hơn.")
    await chat.say(MAI, "/cancel")
    await chat.open_menu(MAI, "Thông tin của tôi")
    await chat.tap(MAI, chat.choice_id(MAI, "Dữ liệu của tôi"))
    await chat.tap(MAI, chat.choice_id(MAI, "Rút lại sự đồng ý"))
    assert "Đã xóa 1 bài tự soi" in await chat.tap(MAI, chat.choice_id(MAI, "Có, rút lại"))
    async with db.session() as session:
        assert (await session.exec(select(TopicReflection))).all() == []

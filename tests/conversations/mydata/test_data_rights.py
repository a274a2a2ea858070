"""«Dữ liệu của tôi»: everything stored, a copy as a file, a correction and a deletion (Law 91)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from conversations.catalogue import default_registry
from conversations.registry import Registry
from storage.db import Database
from storage.files import FileStore
from storage.models import (
    AuditEntry,
    AwayArrangement,
    AwayRecord,
    ChatAccount,
    Consent,
    DataRequest,
    InviteCode,
    Member,
    RequestStatus,
)
from storage.personal_data import Row, Section
from tests.conversations.exemption.conftest import People, fire_timers, member, requests
from tests.support import Chat, FakeClock, Person
from vocabulary.channels import Rendered
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import FileRef


async def _submit_with_certificate(chat: Chat, mai: Person, certificate: FileRef) -> None:
    await chat.open_menu(mai, "Đơn từ của tôi")
    await chat.tap(mai, chat.choice_id(mai, "Xin giảm, miễn"))
    await chat.say(mai, "2")  # exemption
    await chat.say(mai, "1")  # advanced age or poor health
    await chat.send_file(mai, certificate)
    await chat.say(mai, "1")  # send


async def _my_data(chat: Chat, person: Person) -> str:
    await chat.open_menu(person, "Thông tin của tôi")
    return await chat.tap(person, chat.choice_id(person, "Dữ liệu của tôi"))


async def _copy(chat: Chat, person: Person) -> list[Rendered]:
    """Tap «send me a copy»; what the person received."""
    await chat.tap(person, chat.choice_id(person, "bản sao"))
    return [m for c, m in chat.sender.sent if c == person.chat_id]


async def _audited(db: Database, action: str) -> list[AuditEntry]:
    async with db.session() as session:
        return list((await session.exec(select(AuditEntry).where(
            AuditEntry.action == action))).all())


async def test_my_data_shows_decisions_who_received_the_data_and_when_documents_go(
    chat: Chat, people: People, db: Database, settings: Settings
) -> None:
    certificate = FileStore.of(settings).save(b"%PDF-1.4 giay kham", "giay.pdf",
                                              "application/pdf")
    await _submit_with_certificate(chat, people.mai, certificate)
    await chat.tap(people.sec, "a:xr:ok:1:1")

    shown = await _my_data(chat, people.mai)

    [request] = await requests(db)
    assert request.closed_at is not None
    deleted_on = (request.closed_at + timedelta(days=settings.certificate_retention_days)
                  ).astimezone(settings.tz).date()
    assert "Đơn số 1: đồng ý, do đồng chí Nguyễn Văn Hùng ghi" in shown
    assert "Đơn số 1: gửi Nguyễn Văn Hùng" in shown
    assert "Đơn số 1: gửi Lê Văn Phúc" in shown
    assert f"Đơn số 1: giay.pdf, xóa ngày {deleted_on:%d/%m/%Y}" in shown
    labels = [label for _id, label in chat.last_choices(people.mai)]
    assert labels[:3] == ["Gửi cho tôi bản sao (tệp)", "Đề nghị sửa thông tin sai",
                          "Đề nghị xóa dữ liệu"]


async def test_the_copy_is_an_encrypted_json_file_deleted_after_a_day(
    chat: Chat, people: People, db: Database, settings: Settings, clock: FakeClock
) -> None:
    certificate = FileStore.of(settings).save(b"%PDF-1.4 giay kham", "giay.pdf",
                                              "application/pdf")
    await _submit_with_certificate(chat, people.mai, certificate)
    await _my_data(chat, people.mai)

    sent = await _copy(chat, people.mai)

    [copy] = [m for m in sent if m.attachment is not None]
    assert copy.attachment is not None
    assert copy.attachment.mime_type == "application/json"
    assert copy.attachment.name.startswith("du-lieu-cua-toi-")
    assert "chỉ giữ tệp này 24 giờ" in copy.text
    store = FileStore.of(settings)
    content = store.read(copy.attachment.path)
    assert content is not None
    data = json.loads(content)
    assert data["member"][0]["full_name"] == "Trần Thị Mai"
    assert data["requests"][0]["reason"] == "health"
    assert {r["to"] for r in data["recipients"]} == {"Nguyễn Văn Hùng", "Lê Văn Phúc"}
    assert data["certificates"][0]["name"] == "giay.pdf"
    assert data["chat_accounts"][0]["channel"] == "terminal"
    assert "consents" in data
    assert "Trần Thị Mai".encode() not in (settings.files_dir / copy.attachment.path).read_bytes()
    assert len(await _audited(db, "personal_data.copied")) == 1

    clock.advance(hours=settings.personal_data_copy_hours + 1)
    await fire_timers(db, settings, clock, chat)
    assert store.read(copy.attachment.path) is None
    assert store.read(certificate.path) is not None  # the request's own document stays


async def test_a_capability_adds_its_own_section_to_my_data_and_the_copy(
    db: Database, settings: Settings, clock: FakeClock, people: People
) -> None:
    async def read_away(_session: object, member: Member, _settings: Settings) -> list[Row]:
        return [{"place": "Hà Nội", "member": member.roster_id}]

    def register(registry: Registry) -> None:
        registry.add_personal_data(Section("away", read_away, Msg("mydata.recipients_title")))

    chat = Chat(db, settings, clock, registry=default_registry(register))
    shown = await _my_data(chat, people.mai)
    assert "• place: Hà Nội; member: M-002" in shown
    sent = await _copy(chat, people.mai)
    [copy] = [m for m in sent if m.attachment is not None]
    assert copy.attachment is not None
    content = FileStore.of(settings).read(copy.attachment.path)
    assert content is not None
    assert json.loads(content)["away"] == [{"place": "Hà Nội", "member": "M-002"}]


async def test_a_correction_reaches_the_secretary_as_a_task_he_marks_done(
    chat: Chat, people: People, db: Database
) -> None:
    await _my_data(chat, people.mai)
    await chat.say(people.mai, "đề nghị sửa thông tin sai")
    reply = await chat.say(people.mai, "Ngày sinh đúng là 05/03/1968")
    assert "Đã gửi đề nghị sửa thông tin (số 1) tới Nguyễn Văn Hùng, Lê Văn Phúc" in reply

    task = [m for c, m in chat.sender.sent if c == people.sec.chat_id][-1]
    assert "Ngày sinh đúng là 05/03/1968" in task.text
    assert "Trần Thị Mai (M-002)" in task.text
    done = chat.choice_id(people.sec, "Đã sửa xong")
    assert "không có quyền" in await chat.tap(people.long, done)  # a plain member: refused
    async with db.session() as session:
        [open_task] = (await session.exec(select(DataRequest))).all()
        assert open_task.done_at is None

    marked = await chat.tap(people.sec, done)
    assert "đã được sửa (việc số 1)" in marked
    told = [m.text for c, m in chat.sender.sent if c == people.mai.chat_id]
    assert "đã sửa thông tin theo đề nghị số 1" in told[-1]
    assert "đã được đánh dấu là đã sửa xong" in await chat.tap(people.dep, done)
    assert len(await _audited(db, "data.correction_asked")) == 1
    assert len(await _audited(db, "data.corrected")) == 1


async def test_a_correction_too_long_or_empty_is_asked_again_and_then_sent(
    chat: Chat, people: People, db: Database
) -> None:
    await _my_data(chat, people.mai)
    await chat.say(people.mai, "đề nghị sửa thông tin sai")
    assert "ghi rõ thông tin nào sai" in await chat.say(people.mai, "   ")
    too_long = await chat.say(people.mai, "Ngày sinh " * 101)
    assert "xin viết ngắn lại, không quá 1000 ký tự" in too_long
    async with db.session() as session:
        assert (await session.exec(select(DataRequest))).all() == []
    reply = await chat.say(people.mai, "Ngày sinh đúng là 05/03/1968")
    assert "Đã gửi đề nghị sửa thông tin (số 1)" in reply


async def test_deletion_deletes_what_the_law_allows_and_explains_what_is_kept(
    chat: Chat, people: People, db: Database, settings: Settings
) -> None:
    certificate = FileStore.of(settings).save(b"%PDF-1.4 giay kham", "giay.pdf",
                                              "application/pdf")
    await _submit_with_certificate(chat, people.mai, certificate)
    await chat.tap(people.sec, "a:xr:ok:1:1")
    await _my_data(chat, people.mai)

    explained = await chat.say(people.mai, "đề nghị xóa dữ liệu")
    assert "phải giữ lại: hồ sơ trong danh sách đảng viên" in explained
    assert "không thu hồi được" in explained
    reply = await chat.say(people.mai, "có, xóa")

    assert "Đã xóa 1 giấy tờ" in reply
    assert "Vẫn giữ theo quy định của Đảng" in reply
    assert FileStore.of(settings).read(certificate.path) is None
    [request] = await requests(db)
    assert request.status == RequestStatus.APPROVED  # the branch's record stays
    assert request.attachment is None
    assert (await member(db, people.org.mai.id or 0)).full_name == "Trần Thị Mai"
    async with db.session() as session:
        assert not (await session.exec(select(ChatAccount).where(
            ChatAccount.member_id == people.org.mai.id))).all()
        assert not (await session.exec(select(InviteCode).where(
            InviteCode.member_id == people.org.mai.id))).all()
        [deletion] = (await session.exec(select(DataRequest))).all()
        assert deletion.done_at is not None
    told = [m.text for c, m in chat.sender.sent if c == people.sec.chat_id]
    assert any("Trần Thị Mai (M-002) đã đề nghị xóa dữ liệu" in text for text in told)
    assert len(await _audited(db, "data.deleted")) == 1


async def _record_for(chat: Chat, secretary: Person, name: str) -> str:
    await chat.open_menu(secretary, "Việc của cấp ủy")
    await chat.tap(secretary, chat.choice_id(secretary, "Ghi đơn giúp"))
    return await chat.say(secretary, name)


async def test_a_request_recorded_in_person_records_the_consent_given_on_paper(
    chat: Chat, people: People, db: Database
) -> None:
    asked = await _record_for(chat, people.sec, "Hạnh")
    assert "đồng chí Ngô Thị Hạnh đã ký giấy đồng ý" in asked
    await chat.say(people.sec, "đã ký giấy đồng ý")
    await chat.say(people.sec, "2")  # exemption
    await chat.say(people.sec, "1")  # age or health
    await chat.say(people.sec, "1")  # certificate at the meeting
    await chat.say(people.sec, "1")  # send

    async with db.session() as session:
        [paper] = (await session.exec(select(Consent).where(
            Consent.member_id == people.org.wife.id))).all()
    assert paper.channel == "paper"
    assert paper.recorded_by == people.org.secretary.id
    assert len(await _audited(db, "consent.paper_recorded")) == 1


async def test_without_a_signed_paper_nothing_is_recorded(
    chat: Chat, people: People, db: Database
) -> None:
    await _record_for(chat, people.sec, "Hạnh")
    reply = await chat.say(people.sec, "chưa ký")
    assert "Chưa ghi đơn" in reply
    assert await requests(db) == []
    async with db.session() as session:
        assert not (await session.exec(select(Consent))).all()


async def test_my_data_lists_where_the_member_worked_away(
    chat: Chat, db: Database, people: People, clock: FakeClock, settings: Settings
) -> None:
    async with db.session() as session:
        session.add(AwayRecord(member_id=people.org.mai.id or 0,
                               branch_id=people.org.branch.id or 0, place="Phường Dĩ An",
                               reason="work", arrangement=AwayArrangement.INFORM,
                               starts_on=clock().date() - timedelta(days=10),
                               last_contact_at=clock(), created_at=clock()))
    shown = await _my_data(chat, people.mai)
    assert "Nơi đồng chí đi làm ăn xa" in shown
    assert "Phường Dĩ An" in shown
    assert "chưa về" in shown
    [copy] = [m for m in await _copy(chat, people.mai) if m.attachment is not None]
    assert copy.attachment is not None
    content = FileStore.of(settings).read(copy.attachment.path)
    assert content is not None
    assert [row["place"] for row in json.loads(content)["whereabouts"]] == ["Phường Dĩ An"]

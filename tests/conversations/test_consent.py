"""The consent text says what the law asks, and members are asked again when it changes."""

from __future__ import annotations

from sqlmodel import col, select

from bot.settings import Settings
from storage.db import Database
from storage.models import ChatAccount, Consent
from tests.conversations.conftest import Branch, register
from tests.support import Chat, FakeClock, Person


async def test_the_consent_text_names_sensitive_data_retention_transfer_rights_and_controller(
    db: Database, settings: Settings, clock: FakeClock, org: Branch
):
    settings = settings.model_copy(update={"data_controller": "Ban Tổ chức Tỉnh ủy Nghệ An",
                                           "data_controller_contact": "0238 3844 123"})
    text = await Chat(db, settings, clock).say(Person("tg-mai"), "xin chào")
    assert "dữ liệu cá nhân nhạy cảm" in text
    assert f"được xóa {settings.certificate_retention_days} ngày" in text
    assert "máy chủ của Telegram đặt ở nước ngoài" in text
    for right in ("bản sao", "đề nghị sửa", "hạn chế xử lý", "phản đối", "khiếu nại"):
        assert right in text
    assert "Bên kiểm soát dữ liệu: Ban Tổ chức Tỉnh ủy Nghệ An. Liên hệ: 0238 3844 123." in text


async def test_a_member_who_agreed_to_an_older_text_is_asked_again_before_anything_else(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, org: Branch
):
    mai = Person("tg-mai")
    await register(chat, mai, "+84912000102")
    newer = Chat(db, settings.model_copy(update={"consent_version": "2027-01"}), clock)

    reply = await newer.say(mai, "/profile")
    assert "đã được bổ sung" in reply
    assert "Họ và tên" not in reply  # nothing else until the member answers
    assert "Họ và tên" not in await newer.say(mai, "/profile")  # still asked

    assert "đã ghi nhận sự đồng ý" in await newer.say(mai, "đồng ý")
    assert "Họ và tên: Trần Thị Mai" in await newer.say(mai, "/profile")
    async with db.session() as session:
        versions = (await session.exec(select(Consent.version).order_by(col(Consent.id)))).all()
        account = (await session.exec(select(ChatAccount))).one()
    assert versions == [settings.consent_version, "2027-01"]
    assert account.consent_version == "2027-01"


async def test_declining_the_new_text_withdraws_consent_and_unlinks(
    chat: Chat, db: Database, settings: Settings, clock: FakeClock, org: Branch
):
    mai = Person("tg-mai")
    await register(chat, mai, "+84912000102")
    newer = Chat(db, settings.model_copy(update={"consent_version": "2027-01"}), clock)
    await newer.say(mai, "menu")
    assert "Đã rút lại sự đồng ý" in await newer.say(mai, "không đồng ý")
    async with db.session() as session:
        assert (await session.exec(select(ChatAccount))).all() == []
        [given] = (await session.exec(select(Consent))).all()
    assert given.withdrawn_at is not None

"""Whole conversations over Zalo, typed: an exemption request decided by the secretary, and a
broadcast; by polling and by webhook, and with the secretary on Telegram in the same process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Member, MemberStatus, Request, RequestStatus
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.e2e.fake_bot_api import FakeBotAPI
from tests.e2e.fake_zalo_api import TEXT_LIMIT, FakeZaloAPI
from tests.e2e.test_exemption_telegram import TOLD_AT_ONCE, tap
from tests.e2e.zalo_support import (
    BINH_MINH,
    BOT_NAMES,
    both_polling,
    link_zalo,
    zalo_polling,
    zalo_settings,
    zalo_webhook,
)
from vocabulary.settings import Settings

MAI, SEC, LONG = "zu-mai", "zu-hung", "zu-long"
TG_SEC = 7000
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(BOT_NAMES) as server:
        yield server
        server.assert_no_violations()


@pytest.fixture
def z_settings(settings: Settings, zalo: FakeZaloAPI) -> Settings:
    return zalo_settings(settings, zalo, {BINH_MINH: ("CB-BM",)}, **TOLD_AT_ONCE)


class Typist:
    """One person typing to one Zalo bot, reading the bot's answers."""

    def __init__(self, zalo: FakeZaloAPI, user: str) -> None:
        self.zalo, self.user = zalo, user

    def texts(self) -> list[str]:
        return [s.text or "" for s in self.zalo.sent_to(BINH_MINH, self.user)]

    async def say(self, text: str | None = None, *, expect: str, **more: Any) -> str:
        """Type (or send a photo), then wait for an answer holding `expect`; return it."""
        seen = len(self.texts())
        await self.zalo.user_message(BINH_MINH, self.user, text, **more)
        return await self.wait(expect, seen)

    async def wait(self, expect: str, seen: int = 0) -> str:
        try:
            await self.zalo.wait_until(lambda: any(expect in t for t in self.texts()[seen:]),
                                       what=f"{expect!r} to {self.user}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; it was sent {self.texts()[seen:]}") from None
        return next(t for t in self.texts()[seen:] if expect in t)


Mode = Callable[[Database, Settings], contextlib.AbstractAsyncContextManager[Any]]


@pytest.mark.parametrize("mode", [zalo_polling, zalo_webhook], ids=["polling", "webhook"])
async def test_an_exemption_request_with_a_certificate_decided_over_zalo(
        db: Database, z_settings: Settings, zalo: FakeZaloAPI, org: Branch, mode: Mode) -> None:
    await link_zalo(db, zalo, org.mai, BINH_MINH, MAI)
    await link_zalo(db, zalo, org.secretary, BINH_MINH, SEC)
    mai, sec = Typist(zalo, MAI), Typist(zalo, SEC)
    photo = zalo.serve_file("giay-kham.jpg", JPEG, "image/jpeg")
    async with mode(db, z_settings):
        await mai.say("menu", expect="Xin đồng chí gõ số")
        kinds = await mai.say("xin giảm, miễn", expect="1. Xin GIẢM")
        assert "2. Xin MIỄN" in kinds
        await mai.say("2", expect="1. Tuổi cao, sức khỏe yếu")
        await mai.say("1", expect="giấy xác nhận")
        summary = await mai.say(photo_url=photo, expect="kiểm tra lại đơn")
        assert "Gửi đơn" in summary
        await mai.say("gui don", expect="Đã gửi đơn số 1")  # typed without diacritics
        notice = await sec.wait("Đơn số 1")
        assert "Trả lời «1 1» để chọn: ✅ Chi bộ đã đồng ý" in notice
        photos = [s for s in zalo.sent_to(BINH_MINH, SEC) if s.method == "sendPhoto"]
        if mode is zalo_webhook:  # CHIBOT_PUBLIC_URL is set: a link Zalo fetches
            assert [p.fetched for p in photos] == [200]
        else:  # no public address to fetch it from: the secretary is told it exists
            await sec.wait("photo.jpg")
        bare = await sec.say("1", expect="")  # a bare number picks nothing in the notice
        assert "Xin xác nhận" not in bare
        await sec.say("1 1", expect="Xin xác nhận")
        await sec.say("1", expect="Đã ghi quyết định về đơn số 1")
        await sec.say("1", expect="Số nghị quyết")  # the meeting was today
        await sec.say("07-NQ/CB", expect="ba con số")
        await sec.say("1", expect="Ngày họp chi bộ")  # no votes
        await sec.say("xong", expect="Đã lưu")
        await mai.wait("Đơn số 1 của đồng chí đã được đồng ý")
    async with db.session() as session:
        request = (await session.exec(select(Request))).one()
        assert request.status == RequestStatus.APPROVED
        assert request.attachment is not None
        mai_now = await session.get(Member, org.mai.id)
        assert mai_now is not None
        assert mai_now.status == MemberStatus.EXEMPTED


async def test_a_member_on_zalo_and_the_secretary_on_telegram_complete_a_request(
        db: Database, tg_settings: Settings, telegram: FakeBotAPI, zalo: FakeZaloAPI,
        org: Branch) -> None:
    settings = zalo_settings(tg_settings, zalo, {BINH_MINH: ("CB-BM",)}, **TOLD_AT_ONCE)
    await link_zalo(db, zalo, org.mai, BINH_MINH, MAI)
    await f.link(db, org.secretary, str(TG_SEC), channel="telegram")
    mai = Typist(zalo, MAI)
    async with both_polling(db, settings):
        await mai.say("menu", expect="Xin đồng chí gõ số")
        await mai.say("xin giảm, miễn", expect="1. Xin GIẢM")
        await mai.say("Xin MIỄN", expect="1. Tuổi cao, sức khỏe yếu")
        await mai.say("tuoi cao", expect="giấy xác nhận")
        await mai.say("Tôi sẽ nộp giấy tại cuộc họp", expect="kiểm tra lại đơn")
        await mai.say("gửi đơn", expect="Đã gửi đơn số 1")
        await telegram.wait_for_sent(TG_SEC)
        recorded = await tap(telegram, TG_SEC, "Chi bộ đã đồng ý")
        assert "Đã ghi quyết định về đơn số 1" in (recorded.text or "")
        await mai.wait("Đơn số 1 của đồng chí đã được đồng ý")


async def test_a_long_announcement_reaches_the_branch_over_zalo_in_pieces(
        db: Database, z_settings: Settings, zalo: FakeZaloAPI, org: Branch) -> None:
    for member, user in ((org.secretary, SEC), (org.mai, MAI), (org.husband, LONG)):
        await link_zalo(db, zalo, member, BINH_MINH, user)
    sec = Typist(zalo, SEC)
    lines = [f"Mục {n}: nội dung sinh hoạt chi bộ tháng này, xin các đồng chí đọc kỹ."
             for n in range(40)]  # about 2,900 characters: two Zalo messages
    async with zalo_polling(db, z_settings):
        await sec.say("menu", expect="Xin đồng chí gõ số")
        await sec.say("gửi thông báo cho chi bộ", expect="")
        preview = await sec.say("\n".join(lines), expect="Xem trước")
        assert "2 đảng viên" in preview
        await sec.say("gửi ngay", expect="")
        for user in (MAI, LONG):
            await Typist(zalo, user).wait("Mục 39")
    for user in (MAI, LONG):
        texts = Typist(zalo, user).texts()
        assert len(texts) == 2
        assert all(len(t) <= TEXT_LIMIT for t in texts)
        assert all(line in texts[0].split("\n") or line in texts[1].split("\n")
                   for line in lines)  # cut between lines, never inside one

"""Members and officers on Zalo: Chibot's Zalo runtime against a local fake Zalo Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import ChatAccount, InboxUpdate
from tests.conversations.conftest import Branch
from tests.e2e.fake_zalo_api import TEXT_LIMIT, FakeZaloAPI
from tests.e2e.zalo_support import (
    BINH_MINH,
    BOT_NAMES,
    invite,
    zalo_polling,
    zalo_settings,
    zalo_webhook,
)
from vocabulary.settings import Settings

MAI = "zu-mai"  # Trần Thị Mai's Zalo user id (as the Bình Minh bot sees her)


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(BOT_NAMES) as server:
        yield server
        server.assert_no_violations()


@pytest.fixture
def z_settings(settings: Settings, zalo: FakeZaloAPI) -> Settings:
    return zalo_settings(settings, zalo, {BINH_MINH: ("CB-BM",)})


async def register(zalo: FakeZaloAPI, code: str, user: str = MAI, bot: str = BINH_MINH) -> str:
    """The member types the code, agrees by typing 1; returns the last reply's text."""
    before = len(zalo.sent_to(bot, user))
    await zalo.user_message(bot, user, code)
    consent = await zalo.wait_for_sent(bot, user, before + 1)
    assert "1. Đồng ý" in (consent[-1].text or "")
    await zalo.user_message(bot, user, "1")
    replies = await zalo.wait_for_sent(bot, user, len(consent) + 1)
    await zalo.wait_until(lambda: "Cảm ơn" in (zalo.sent_to(bot, user)[-1].text or "")
                          or len(zalo.sent_to(bot, user)) > len(replies), what="the link")
    return "\n".join(s.text or "" for s in zalo.sent_to(bot, user)[len(consent):])


async def test_registration_by_invite_code_over_polling(
        db: Database, z_settings: Settings, zalo: FakeZaloAPI, org: Branch) -> None:
    code = await invite(db, z_settings, org.mai)
    async with zalo_polling(db, z_settings):
        linked = await register(zalo, code)
    assert "Cảm ơn đồng chí Trần Thị Mai" in linked
    first = zalo.sent_to(BINH_MINH, MAI)[0].text or ""
    assert "hệ thống tự động" in first  # the platform's terms: say it is a bot, first
    assert all(len(s.text or "") <= TEXT_LIMIT for s in zalo.sent)
    async with db.session() as session:
        account = (await session.exec(select(ChatAccount))).one()
        keys = [(u.bot, u.update_id) for u in (await session.exec(select(InboxUpdate))).all()]
    assert (account.bot, account.chat_id) == ("2001", MAI)
    assert all(bot == "2001" and update.startswith("m") for bot, update in keys)


@pytest.mark.parametrize("wrapped", [True, False])
async def test_registration_by_webhook_stores_each_update_once(
        db: Database, z_settings: Settings, org: Branch, wrapped: bool) -> None:
    async with FakeZaloAPI(BOT_NAMES, wrapped=wrapped) as zalo:
        settings = z_settings.model_copy(update={"zalo_api_url": zalo.base_url})
        code = await invite(db, settings, org.mai)
        async with zalo_webhook(db, settings):
            assert zalo.bot(BINH_MINH).webhook is not None
            update = await zalo.user_message(BINH_MINH, MAI, code)
            await zalo.wait_for_sent(BINH_MINH, MAI, 1)
            assert await zalo.deliver(zalo.bot(BINH_MINH), update) == 200  # sent again
            fake = zalo.bot(BINH_MINH)
            secret, fake.secret = fake.secret, "not-the-secret"
            assert await zalo.deliver(fake, update) == 401
            fake.secret = secret
            await zalo.user_message(BINH_MINH, MAI, "1")
            await zalo.wait_until(lambda: "Cảm ơn đồng chí Trần Thị Mai" in (
                zalo.sent_to(BINH_MINH, MAI)[-1].text or ""), what="the link")
        zalo.assert_no_violations()
        assert len([s for s in zalo.sent_to(BINH_MINH, MAI) if "1. Đồng ý" in (s.text or "")]) == 1
    async with db.session() as session:
        assert len((await session.exec(select(InboxUpdate))).all()) == 2

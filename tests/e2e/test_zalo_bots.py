"""Several Zalo bots: each serves its chi bộ, codes name the bot, full bots are not handed out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from storage.db import Database
from storage.models import ChatAccount, InviteCode, Member, OrgKind
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.e2e.fake_zalo_api import FakeZaloAPI
from tests.e2e.test_zalo import register
from tests.e2e.zalo_support import (
    BINH_MINH,
    BOT_NAMES,
    HOA_BINH,
    issue,
    zalo_polling,
    zalo_settings,
)
from vocabulary.settings import Settings

TAM = "zu-tam"
MAI = "zu-mai"
LONG = "zu-long"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(BOT_NAMES) as server:
        yield server
        server.assert_no_violations()


@pytest.fixture
async def tam(db: Database, org: Branch) -> Member:
    hoa_binh = await f.org(db, "CB-HB", OrgKind.BRANCH, org.base, name="Chi bộ ấp Hòa Bình")
    return await f.member(db, "M-010", "Lê Văn Tâm", hoa_binh, "+84912000110")


async def zalo_accounts(db: Database) -> dict[int, str]:
    """Member -> "<bot id>/<chat id>" of his/her Zalo account."""
    async with db.session() as session:
        return {a.member_id: f"{a.bot}/{a.chat_id}"
                for a in (await session.exec(select(ChatAccount))).all()}


async def test_each_branch_has_its_bot_and_a_code_typed_to_the_wrong_one_is_kept(
        db: Database, settings: Settings, zalo: FakeZaloAPI, org: Branch, tam: Member) -> None:
    settings = zalo_settings(settings, zalo, {BINH_MINH: ("CB-BM",), HOA_BINH: ("CB-HB",)})
    mai_code, mai_bot = await issue(db, settings, org.mai)
    tam_code, tam_bot = await issue(db, settings, tam)
    assert (mai_bot, tam_bot) == ("2001", "2002")
    async with zalo_polling(db, settings):
        await zalo.user_message(BINH_MINH, TAM, tam_code)  # Tâm writes to Bình Minh's bot
        await zalo.wait_for_sent(BINH_MINH, TAM)
        await zalo.user_message(BINH_MINH, TAM, "1")
        await zalo.wait_until(lambda: "https://zalo.me/2002" in (
            zalo.sent_to(BINH_MINH, TAM)[-1].text or ""), what="the right bot's link")
        assert "Chibot Hòa Bình" in (zalo.sent_to(BINH_MINH, TAM)[-1].text or "")
        assert await zalo_accounts(db) == {}
        await zalo.user_message(HOA_BINH, TAM, tam_code)  # the code still works there
        await zalo.wait_until(lambda: any("Cảm ơn đồng chí Lê Văn Tâm" in (m.text or "")
                                          for m in zalo.sent_to(HOA_BINH, TAM)), what="link")
        assert "Cảm ơn đồng chí Trần Thị Mai" in await register(zalo, mai_code, MAI, BINH_MINH)
        await zalo.user_message(HOA_BINH, TAM, "menu")
        await zalo.wait_for_sent(HOA_BINH, TAM, len(zalo.sent_to(HOA_BINH, TAM)) + 1)
    assert await zalo_accounts(db) == {tam.id: "2002/zu-tam", org.mai.id: "2001/zu-mai"}
    assert {s.bot for s in zalo.sent if s.chat_id == TAM} == {"2001", "2002"}


async def test_a_bot_with_no_free_slot_is_never_handed_out(
        db: Database, settings: Settings, zalo: FakeZaloAPI, org: Branch) -> None:
    # One chi bộ served by two bots (the second serves the whole đảng bộ), one user each.
    settings = zalo_settings(settings, zalo, {BINH_MINH: ("CB-BM",), HOA_BINH: ("DU-AH",)},
                             zalo_user_limit=1)
    mai_code, mai_bot = await issue(db, settings, org.mai)
    _code, again = await issue(db, settings, org.mai)  # a new code for her: the same bot
    long_code, long_bot = await issue(db, settings, org.husband)
    _none, wife_bot = await issue(db, settings, org.wife)
    assert (mai_bot, again, long_bot, wife_bot) == ("2001", "2001", "2002", None)
    async with zalo_polling(db, settings):
        await register(zalo, mai_code, MAI, BINH_MINH)
        await register(zalo, long_code, LONG, HOA_BINH)
    assert set((await zalo_accounts(db)).values()) == {"2001/zu-mai", "2002/zu-long"}
    async with db.session() as session:
        codes = (await session.exec(select(InviteCode).order_by(col(InviteCode.id)))).all()
    assert [i.bot for i in codes] == ["2001", "2001", "2002", None]

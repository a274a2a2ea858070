"""Each Zalo bot's monthly quota: bulk stops short of it, members with Telegram get it there."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from conversations.zalo_bots import month_of, seconds_to_month_turn
from storage.db import Database
from storage.models import BotUsage, OutboxMessage, OutboxStatus
from tests import factories as f
from tests.conversations.conftest import Branch
from tests.e2e.fake_bot_api import FakeBotAPI
from tests.e2e.fake_zalo_api import FakeZaloAPI
from tests.e2e.test_exemption_telegram import tap
from tests.e2e.zalo_support import (
    BINH_MINH,
    BOT_NAMES,
    both_polling,
    link_zalo,
    real_now,
    zalo_settings,
)
from vocabulary.settings import Settings

SEC, LONG = 7000, 7004  # Telegram user ids
NEWS = "Họp chi bộ tối thứ Sáu"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(BOT_NAMES, quota=100) as server:
        yield server
        server.assert_no_violations()


async def test_a_broadcast_past_the_quota_goes_by_telegram_or_waits_and_replies_still_go(
        db: Database, tg_settings: Settings, telegram: FakeBotAPI, zalo: FakeZaloAPI,
        org: Branch) -> None:
    settings = zalo_settings(tg_settings, zalo, {BINH_MINH: ("CB-BM",)},
                             zalo_monthly_quota=100, zalo_quota_reserve=0.1)
    await f.link(db, org.secretary, str(SEC), channel="telegram")
    await f.link(db, org.husband, str(LONG), channel="telegram")  # used before his Zalo
    for member, user in ((org.mai, "zu-mai"), (org.husband, "zu-long"), (org.wife, "zu-hanh")):
        await link_zalo(db, zalo, member, BINH_MINH, user)
    month = month_of(settings, real_now())
    async with db.session() as session:  # 89 of the 90 messages bulk may use are spent
        session.add(BotUsage(channel="zalo", bot="2001", month=month, sent=89))
    zalo.bot(BINH_MINH).used = 89
    async with both_polling(db, settings):
        await telegram.user_message(SEC, "/menu")
        await telegram.wait_for_sent(SEC)
        await tap(telegram, SEC, "Thông báo, mã mời, số liệu")
        await tap(telegram, SEC, "Gửi thông báo cho chi bộ")
        await telegram.user_message(SEC, NEWS)
        preview = (await telegram.wait_for_sent(SEC, count=4))[-1].text or ""
        assert "chỉ còn 1 tin nhắn" in preview
        assert "3 đảng viên" in preview
        assert "khoảng 1 đồng chí sẽ nhận qua Telegram, 1 đồng chí phải chờ" in preview
        await tap(telegram, SEC, "Gửi ngay")
        # Mai and Hạnh are on Zalo only and race for the last bulk message: one gets it.
        zalo_only = {"zu-mai": org.mai, "zu-hanh": org.wife}

        def told(user: str) -> bool:
            return any(NEWS in (s.text or "") for s in zalo.sent_to(BINH_MINH, user))

        await zalo.wait_until(lambda: any(map(told, zalo_only)), what="the last bulk message")
        waiter = next(user for user in zalo_only if not told(user))
        await telegram.wait_until(lambda: any(NEWS in (m.text or "")
                                              for m in telegram.sent_to(LONG)), what="Long")
        await telegram.wait_until(lambda: any("đã dùng 90 trong 100" in (m.text or "")
                                              for m in telegram.sent_to(SEC)), what="warning")
        await zalo.user_message(BINH_MINH, waiter, "trợ giúp")  # a reply uses the reserve
        await zalo.wait_for_sent(BINH_MINH, waiter)
    assert not told(waiter)
    assert not any(NEWS in (s.text or "") for s in zalo.sent_to(BINH_MINH, "zu-long"))
    assert sum(map(told, zalo_only)) == 1
    async with db.session() as session:
        waiting = (await session.exec(select(OutboxMessage).where(
            OutboxMessage.member_id == zalo_only[waiter].id,
            col(OutboxMessage.status) == OutboxStatus.QUEUED))).one()
    turn = seconds_to_month_turn(settings, real_now())
    assert (waiting.next_attempt_at - real_now()).total_seconds() > turn - 60
    assert zalo.bot(BINH_MINH).used <= 100

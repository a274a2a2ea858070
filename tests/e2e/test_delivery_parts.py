"""A long text goes to Telegram in pieces: each piece once, even when one is refused."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.app import build_core
from bot.i18n import Msg
from bot.settings import Settings
from conversations.types import Outbound
from handlers.telegram.app import make_bot
from handlers.telegram.sender import TEXT_LIMIT, TelegramSender
from storage.db import Database
from storage.models import OrgKind, OutboxMessage, OutboxStatus
from storage.repos import outbox
from tests import factories as f
from tests.e2e.conftest import real_now
from tests.e2e.fake_bot_api import FakeBotAPI

USER = 7101


async def test_a_long_text_throttled_after_its_first_piece_resumes_at_the_second(
    db: Database, tg_settings: Settings, telegram: FakeBotAPI
):
    """No gap between the pieces here, so Telegram's 1/s per chat refuses the second: the
    retry sends the second piece, not the first again."""
    branch = await f.org(db, "CB", OrgKind.BRANCH)
    member = await f.member(db, "M1", "Trần Thị Lan", branch)
    await f.link(db, member, str(USER), channel="telegram")
    body = [Msg("cancel.done")] * (TEXT_LIMIT // len("Đã hủy. Việc đang làm dở") + 1)
    async with db.session() as session:
        await outbox.enqueue(session, [Outbound(member.id or 0, body)], real_now())
    telegram.set_rates(per_chat_rate=1)
    unpaced = tg_settings.model_copy(update={"delivery_chat_gap_seconds": {}})
    bot = make_bot(unpaced)
    _core, delivery = build_core(db, unpaced, {"telegram": TelegramSender(bot, unpaced)},
                                 real_now)
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop, idle_seconds=0.05))
    try:
        await telegram.wait_for_sent(USER, count=2, within=10)
        await telegram.wait_until(lambda: delivery.counts["sent"] == 1, what="row sent")
    finally:
        stop.set()
        await running
        await bot.session.close()
    pieces = [m.text or "" for m in telegram.sent_to(USER)]
    assert len(pieces) == 2
    assert pieces[0] != pieces[1]
    assert telegram.rate_limited[str(USER)] >= 1  # the second piece was refused at first
    async with db.session() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert (row.status, row.parts_sent, row.attempts) == (OutboxStatus.SENT, 2, 1)

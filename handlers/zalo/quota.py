"""Each Zalo bot's monthly budget (3,000 messages on the free plan): replies keep a reserve.

Bulk messages (reminders, announcements) stop at the quota less the reserve; replies and
decisions may use the rest. Months turn in the deployment's time zone. The officers the
bot serves are told once a month when it passes the warning share.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.zalo_bots import bulk_share, month_of, seconds_to_month_turn
from handlers.zalo import CHANNEL
from storage.db import Database
from storage.models import OfficerRole
from storage.repos import bot_usage, orgs, outbox
from vocabulary.messages import Msg
from vocabulary.settings import Settings, ZaloBot
from vocabulary.types import Outbound

log = logging.getLogger(__name__)
WARNED_ROLES = (OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY)


class ZaloBudget:
    """Takes one message from a bot's month before each send (see storage.repos.bot_usage)."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime],
                 bots: list[ZaloBot]) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.bots = {bot.id: bot for bot in bots}

    async def take(self, bot_id: str, bulk: bool) -> float | None:
        now, quota = self.clock(), self.settings.zalo_monthly_quota
        month = month_of(self.settings, now)
        async with self.db.session() as session:
            limit = bulk_share(self.settings) if bulk else quota
            if not await bot_usage.take(session, CHANNEL, bot_id, month, limit):
                return seconds_to_month_turn(self.settings, now)
            threshold = math.ceil(quota * self.settings.zalo_quota_warning)
            if await bot_usage.warn_once(session, CHANNEL, bot_id, month, threshold):
                used = await bot_usage.sent(session, CHANNEL, month)
                await self._warn(session, bot_id, used.get(bot_id, threshold))
        return None

    async def give_back(self, bot_id: str) -> None:
        month = month_of(self.settings, self.clock())
        async with self.db.session() as session:
            await bot_usage.give_back(session, CHANNEL, bot_id, month)

    async def spent(self, bot_id: str) -> float | None:
        """After a 429: the month is spent if our count is at the quota (else a rate limit)."""
        now = self.clock()
        async with self.db.session() as session:
            used = (await bot_usage.sent(session, CHANNEL, month_of(self.settings, now)))
        if used.get(bot_id, 0) >= self.settings.zalo_monthly_quota:
            return seconds_to_month_turn(self.settings, now)
        return None

    async def _warn(self, session: AsyncSession, bot_id: str, used: int) -> None:
        bot = self.bots.get(bot_id)
        log.warning("Zalo bot %s has used %d of its %d messages this month",
                    bot_id, used, self.settings.zalo_monthly_quota)
        if bot is None:
            return
        officers: dict[int, None] = {}
        for code in bot.organisations:
            org = await orgs.by_code(session, code)
            for _role, member in await orgs.holders(session, org.id or 0,
                                                    WARNED_ROLES) if org else []:
                officers.setdefault(member.id or 0)
        warning = Msg("zalo.quota_warning", bot=bot.name, used=used,
                      quota=self.settings.zalo_monthly_quota)
        await outbox.enqueue(session, [Outbound(member_id, [warning])
                                       for member_id in officers], self.clock())

"""Whether a month's meeting reminders fit each Zalo bot's monthly budget.

Only members reachable through nothing but a Zalo bot count: one who also has another
channel gets the reminder there once the bot's month is spent. The figure is an estimate
(its own members of each chi bo or to dang, times the meetings ahead in the month, times
the reminder offsets), like the planner's rate check.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations import zalo_bots
from conversations.meetings import rule as rules
from conversations.meetings.audience import reminded
from storage.models import ChatAccount, Meeting, MeetingStatus, Member
from storage.repos import bot_usage
from vocabulary.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shortfall:
    """A bot whose month cannot carry the reminders planned through it."""

    bot: str  # its name, as the administrator configured it
    month: str  # "2026-12"
    need: int
    left: int


async def shortfalls(session: AsyncSession, settings: Settings, month: date,
                     now: datetime) -> list[Shortfall]:
    """The Zalo bots whose budget left in `month` is less than its meetings' reminders."""
    if not settings.zalo_bot_list:
        return []
    meetings = await _meetings_ahead(session, settings, month, now)
    need: Counter[str] = Counter()
    for branch, group, bot, members in await _zalo_only(session):
        need[bot] += members * (meetings.get(branch, 0) + meetings.get(group, 0))
    label = f"{month.year:04d}-{month.month:02d}"
    used = await bot_usage.sent(session, zalo_bots.ZALO, label)
    found = []
    for bot_id, count in sorted(need.items()):
        count *= len(settings.meeting_reminder_days)
        left = max(0, zalo_bots.bulk_share(settings) - used.get(bot_id, 0))
        if count > left:
            bot = zalo_bots.by_id(settings, bot_id)
            found.append(Shortfall(bot.name if bot else bot_id, label, count, left))
            log.warning("meeting reminders of %s through Zalo bot %s: about %d messages, "
                        "%d left in its month", label, bot_id, count, left)
    return found


async def _meetings_ahead(session: AsyncSession, settings: Settings, month: date,
                          now: datetime) -> dict[int, int]:
    """Organisation -> its planned meetings in the month still ahead (groups by group id)."""
    start, end = rules.month_bounds(month, settings.tz)
    query = (select(Meeting.org_id, func.count())
             .where(Meeting.status == MeetingStatus.PLANNED, Meeting.starts_at >= max(start, now),
                    Meeting.starts_at < end)
             .group_by(col(Meeting.org_id)))
    return {int(org): int(n) for org, n in (await session.exec(query)).all()}


async def _zalo_only(session: AsyncSession) -> list[tuple[int, int | None, str, int]]:
    """(chi bo, to dang, bot, members) of the reminded members whose only reachable
    accounts are on that Zalo bot."""
    elsewhere = select(ChatAccount.member_id).where(ChatAccount.channel != zalo_bots.ZALO,
                                                    col(ChatAccount.unreachable_at).is_(None))
    query = (select(Member.branch_id, Member.group_id, ChatAccount.bot,
                    func.count(func.distinct(Member.id)))
             .join(ChatAccount, ChatAccount.member_id == Member.id)
             .where(ChatAccount.channel == zalo_bots.ZALO,
                    col(ChatAccount.unreachable_at).is_(None), reminded(),
                    col(Member.id).not_in(elsewhere))
             .group_by(col(Member.branch_id), col(Member.group_id), col(ChatAccount.bot)))
    return [(int(b), g, str(bot), int(n)) for b, g, bot, n in (await session.exec(query)).all()]

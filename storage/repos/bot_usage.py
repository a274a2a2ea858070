"""Each bot's accepted messages per calendar month, counted so that processes agree.

A message is taken before it is sent (one conditional UPDATE) and given back if the
platform refused it, so two processes never together pass a bot's limit.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import BotUsage
from storage.new_rows import NewRows

_NEW = NewRows(BotUsage.__table__, "channel", "bot", "month")  # type: ignore[attr-defined]


def _key(channel: str, bot: str, month: str) -> list[object]:
    return [col(BotUsage.channel) == channel, col(BotUsage.bot) == bot,
            col(BotUsage.month) == month]


async def take(session: AsyncSession, channel: str, bot: str, month: str, limit: int) -> bool:
    """Count one more message if the count is below `limit`; False if it is not."""
    await _NEW.insert(session, [{"channel": channel, "bot": bot, "month": month, "sent": 0,
                                 "warned": False}])
    result = await session.exec(update(BotUsage).where(*_key(channel, bot, month),  # type: ignore[call-overload]
                                                       col(BotUsage.sent) < limit)
                                .values(sent=BotUsage.sent + 1))
    return bool(result.rowcount == 1)


async def give_back(session: AsyncSession, channel: str, bot: str, month: str) -> None:
    await session.exec(update(BotUsage).where(*_key(channel, bot, month),  # type: ignore[call-overload]
                                              col(BotUsage.sent) > 0)
                       .values(sent=BotUsage.sent - 1))


async def fill(session: AsyncSession, channel: str, bot: str, month: str, quota: int) -> None:
    """The platform says the month's messages are spent: count them as spent."""
    await take(session, channel, bot, month, quota)  # makes sure the row exists
    await session.exec(update(BotUsage).where(*_key(channel, bot, month))  # type: ignore[call-overload]
                       .values(sent=quota))


async def sent(session: AsyncSession, channel: str, month: str) -> dict[str, int]:
    """Bot -> messages accepted this month, for the bots that sent any."""
    query = select(BotUsage).where(BotUsage.channel == channel, BotUsage.month == month)
    return {u.bot: u.sent for u in (await session.exec(query)).all()}


async def warn_once(session: AsyncSession, channel: str, bot: str, month: str,
                    threshold: int) -> bool:
    """True exactly once a month, when the bot's count first reaches `threshold`."""
    result = await session.exec(update(BotUsage).where(*_key(channel, bot, month),  # type: ignore[call-overload]
                                                       col(BotUsage.sent) >= threshold,
                                                       col(BotUsage.warned).is_(False))
                                .values(warned=True))
    return bool(result.rowcount == 1)

"""Which Zalo bot a member writes to: one serving his/her branch with a free user slot.

Zalo's free plan allows 50 users per bot, so a deployment runs several; an invite code names
the bot, and a bot whose users (linked accounts and codes still waiting) fill its slots is
never handed out.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.officers import subtree_ids
from storage.models import ChatAccount, InviteCode, Member
from storage.repos import accounts, bot_usage, orgs
from vocabulary.messages import Msg
from vocabulary.settings import Settings, ZaloBot

ZALO = "zalo"


def by_id(settings: Settings, bot_id: str | None) -> ZaloBot | None:
    return next((b for b in settings.zalo_bot_list if b.id == bot_id), None)


async def serving(session: AsyncSession, settings: Settings, member: Member) -> list[ZaloBot]:
    """The bots whose organisations include the member's branch, in the order configured."""
    found = []
    for bot in settings.zalo_bot_list:
        for code in bot.organisations:
            org = await orgs.by_code(session, code)
            if org is not None and member.branch_id in await subtree_ids(session, org.id or 0):
                found.append(bot)
                break
    return found


async def bot_for(session: AsyncSession, settings: Settings, member: Member,
                  now: datetime) -> ZaloBot | None:
    """The bot this member is to write to: the one he/she is on, or holds a code for, already;
    else the first serving his/her branch with a free slot; None when none serves or has room."""
    candidates = await serving(session, settings, member)
    on = {a.bot for a in await accounts.of_member(session, member.id or 0) if a.channel == ZALO}
    on.update((await session.exec(select(InviteCode.bot).where(  # his/her slot is held there
        InviteCode.member_id == member.id, col(InviteCode.bot).is_not(None),
        col(InviteCode.used_at).is_(None), InviteCode.expires_at > now))).all())
    for bot in candidates:
        if bot.id in on:
            return bot
    for bot in candidates:
        if await users(session, bot.id, now) < settings.zalo_user_limit:
            return bot
    return None


async def users(session: AsyncSession, bot_id: str, now: datetime) -> int:
    """The bot's users: linked accounts, and members whose code for it still waits."""
    linked = (await session.exec(select(ChatAccount.member_id).where(
        ChatAccount.channel == ZALO, ChatAccount.bot == bot_id))).all()
    waiting = select(func.count(func.distinct(InviteCode.member_id))).where(
        InviteCode.bot == bot_id, col(InviteCode.used_at).is_(None), InviteCode.expires_at > now,
        col(InviteCode.member_id).not_in(set(linked) or {0}))
    return len(linked) + (await session.exec(waiting)).one()


def month_of(settings: Settings, at: datetime) -> str:
    """The calendar month a bot's messages count in, in the deployment's time zone."""
    return at.astimezone(settings.tz).strftime("%Y-%m")


def seconds_to_month_turn(settings: Settings, at: datetime) -> float:
    local = at.astimezone(settings.tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    turn = local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0,
                         microsecond=0)
    return (turn - local).total_seconds()


def bulk_share(settings: Settings) -> int:
    """Messages a month that bulk sending may use: the quota less the reserve for replies."""
    return math.floor(settings.zalo_monthly_quota * (1 - settings.zalo_quota_reserve))


async def shortfalls(session: AsyncSession, settings: Settings, member_ids: list[int],
                     now: datetime) -> list[Msg]:
    """For a bulk message to these members: a line for each bot whose month cannot carry it,
    with how many get it on Telegram (bulk always goes there when it can) and how many wait."""
    query = (select(ChatAccount).where(col(ChatAccount.member_id).in_(member_ids),
                                       col(ChatAccount.unreachable_at).is_(None))
             .order_by(col(ChatAccount.last_seen_at).desc()))
    by_member: dict[int, list[ChatAccount]] = {}
    for account in (await session.exec(query)).all():
        by_member.setdefault(account.member_id, []).append(account)
    only: Counter[str] = Counter()  # members the bot alone reaches
    elsewhere: Counter[str] = Counter()  # those who use it but get bulk on another channel
    for found in by_member.values():
        if found[0].channel == ZALO:
            bot = found[0].bot
            if any(a.channel != ZALO for a in found):
                elsewhere[bot] += 1
            else:
                only[bot] += 1
    used = await bot_usage.sent(session, ZALO, month_of(settings, now))
    lines = []
    for bot_id, count in sorted(only.items()):
        left = max(0, bulk_share(settings) - used.get(bot_id, 0))
        if count <= left:
            continue
        bot = by_id(settings, bot_id)
        lines.append(Msg("zalo.shortfall", bot=bot.name if bot else bot_id, left=left,
                         count=count + elsewhere[bot_id], telegram=elsewhere[bot_id],
                         waiting=count - left))
    return lines

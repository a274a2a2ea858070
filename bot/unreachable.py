"""Accounts that block the bot: marked unreachable, and the branch leaders told once, together."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery_targets import Target
from conversations.officers import BRANCH_LEADERS
from storage.models import ChatAccount, Member, Timer
from storage.repos import orgs, outbox
from storage.repos.timers import schedule
from vocabulary.messages import Msg
from vocabulary.types import Outbound

KIND = "unreachable-summary"
WINDOW_MINUTES = 10


async def note_unreachable(session: AsyncSession, target: Target, now: datetime) -> None:
    """Mark the account; a summary to the branch leaders follows after a short window."""
    await session.exec(update(ChatAccount).where(col(ChatAccount.id) == target.account_id)
                       .values(unreachable_at=now))
    if target.branch_id is None:
        return
    window = int(now.timestamp() // (WINDOW_MINUTES * 60))
    start = datetime.fromtimestamp(window * WINDOW_MINUTES * 60, tz=now.tzinfo)
    await schedule(session, KIND, f"{KIND}:{target.branch_id}:{window}",
                   start + timedelta(minutes=2 * WINDOW_MINUTES), now,
                   branch_id=target.branch_id, since=start.isoformat())


async def summarise(session: AsyncSession, timer: Timer, now: datetime) -> None:
    """One message to the branch's leaders naming the members Chibot can no longer reach."""
    since = datetime.fromisoformat(timer.payload["since"])
    until = since + timedelta(minutes=WINDOW_MINUTES)  # later ones get their own summary
    branch_id = timer.payload["branch_id"]
    query = (select(Member).join(ChatAccount, col(ChatAccount.member_id) == Member.id)
             .where(Member.branch_id == branch_id, col(ChatAccount.unreachable_at) >= since,
                    col(ChatAccount.unreachable_at) < until)
             .distinct())
    lost = [m for m in (await session.exec(query)).all() if not await _reachable(session, m)]
    if not lost:
        return
    names = ", ".join(sorted(m.full_name for m in lost))
    leaders = await orgs.holders(session, branch_id, BRANCH_LEADERS)
    messages = [Outbound(leader.id or 0, [Msg("delivery.unreachable_summary", count=len(lost),
                                              names=names)],
                         dedupe_key=f"{timer.key}:{leader.id}")
                for _officer, leader in leaders if leader.id not in {m.id for m in lost}]
    await outbox.enqueue(session, messages, now)


async def _reachable(session: AsyncSession, member: Member) -> bool:
    query = select(ChatAccount.id).where(ChatAccount.member_id == member.id,
                                         col(ChatAccount.unreachable_at).is_(None))
    return (await session.exec(query)).first() is not None

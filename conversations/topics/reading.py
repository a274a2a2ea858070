"""«Da doc»: a member's answer to the month's topics, and what the chi bo's leaders see of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.context import Ctx
from conversations.flow import Outcome
from conversations.topics import audience, notice
from storage.models import AwayRecord, ChatAccount, Member, TopicRead, TopicRound
from storage.repos import topics as repo
from vocabulary.messages import Msg

UNREAD_SHOWN = 30  # names listed before "and N more"


async def has_read(session: AsyncSession, round_id: int, member: Member | None) -> bool:
    if member is None:
        return False
    return await session.get(TopicRead, (round_id, member.id)) is not None


async def record(ctx: Ctx, round_: TopicRound) -> Msg:
    """Note the answer once; a second tap says it was already noted."""
    assert ctx.member is not None
    if await has_read(ctx.session, round_.id or 0, ctx.member):
        return Msg("topics.read.already", month=notice.month_label(round_.month))
    ctx.session.add(TopicRead(round_id=round_.id or 0, member_id=ctx.member.id or 0,
                              read_at=ctx.now))
    return Msg("topics.read.thanks", month=notice.month_label(round_.month))


async def on_button(ctx: Ctx, args: list[str]) -> Outcome | None:
    """`a:topics:read:MONTH`: the round is the member's own chi bo's for that month."""
    if ctx.member is None or len(args) != 2 or args[0] != "read":
        ctx.reply(Msg("flow.stale_choice"))
        return None
    branch = await audience.branch_of(ctx.session, ctx.member.id or 0, ctx.today)
    round_ = await repo.round_of(ctx.session, branch, args[1]) if branch is not None else None
    if round_ is None or round_.sent_at is None:
        ctx.reply(Msg("flow.stale_choice"))
        return None
    ctx.reply(await record(ctx, round_))
    return None


@dataclass(frozen=True)
class Tally:
    """Of the members the topics reached (linked, receiving on the day), who answered."""

    read: int
    reached: int
    unread: list[str]  # names, alphabetical


async def tally(session: AsyncSession, round_: TopicRound, on: date) -> Tally:
    """How many of the chi bo's receivers on `on` answered «Da doc» (the desk reuses it)."""
    people = audience.members(on).subquery()
    linked = exists().where(ChatAccount.member_id == people.c.member_id)
    # Those on the chi bo's roll or hosted by it: the same people, found by index instead of
    # by reading every member of the deployment (the desk asks this for 12 rounds at once).
    near = select(Member.id).where(Member.branch_id == round_.branch_id).union(
        select(AwayRecord.member_id).where(AwayRecord.host_org_id == round_.branch_id))
    query = (select(Member.id, Member.full_name)
             .join(people, people.c.member_id == Member.id)
             .where(people.c.branch_id == round_.branch_id, linked, col(Member.id).in_(near))
             .order_by(col(Member.full_name)))
    reached = list((await session.exec(query)).all())
    readers = await repo.readers(session, round_.id or 0)
    unread = [name for member_id, name in reached if member_id not in readers]
    return Tally(len(reached) - len(unread), len(reached), unread)


async def counts(session: AsyncSession, round_: TopicRound, on: date) -> list[Msg]:
    """How many of those sent the topics answered «Da doc», and who has not (the chi bo's
    receivers on `on`)."""
    found = await tally(session, round_, on)
    unread = found.unread
    lines = [Msg("topics.who.counts", month=notice.month_label(round_.month),
                 read=found.read, total=found.reached)]
    if unread:
        shown = ", ".join(unread[:UNREAD_SHOWN])
        more = len(unread) - UNREAD_SHOWN
        lines.append(Msg("topics.who.unread", names=shown) if more <= 0 else
                     Msg("topics.who.unread_more", names=shown, more=more))
    return lines

"""A member's own view: the meetings ahead with his/her answer, and his/her attendance."""

from __future__ import annotations

from sqlmodel import col, select

from conversations.context import Ctx
from conversations.flow import Done, Flow, Outcome
from conversations.meetings import texts
from storage.models import Meeting, MeetingAttendee, MeetingStatus
from storage.repos import meetings as repo
from vocabulary.messages import Msg

MINE = "meetings_mine"
HISTORY = 12


async def visible(ctx: Ctx) -> bool:
    """Once the member has been expected at a meeting (the group is never shown empty)."""
    if ctx.member is None:
        return False
    return await repo.ever_expected(ctx.session, ctx.member.id or 0)


async def _start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    member_id = ctx.member.id or 0
    query = (select(Meeting, MeetingAttendee)
             .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
             .where(MeetingAttendee.member_id == member_id, Meeting.starts_at > ctx.now,
                    Meeting.status == MeetingStatus.PLANNED)
             .order_by(col(Meeting.starts_at)))
    ahead = [Msg("meetings.mine.ahead_line", at=m.starts_at, kind=texts.kind(m),
                 answer=Msg(f"meetings.mine.answer.{a.answer or 'none'}"))
             for m, a in (await ctx.session.exec(query)).all()]
    past = [Msg("meetings.mine.past_line", at=m.starts_at, kind=texts.kind(m),
                mark=Msg(f"meetings.attendance.{a.attendance}"))
            for m, a in await repo.history(ctx.session, member_id, HISTORY)
            if a.attendance is not None]
    return Done(Msg("meetings.mine.ahead"), *(ahead or [Msg("meetings.mine.none")]),
                Msg("meetings.mine.past"), *(past or [Msg("meetings.mine.none")]))


FLOW = Flow(MINE, {}, _start)

"""What a regular meeting studies besides the agenda the secretary set: the chi bo's topics
of its month, as the topics capability planned or sent them."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.topics import notice, plans
from storage.models import Meeting, MeetingKind
from vocabulary.messages import Msg


async def topics_of(session: AsyncSession, meetings: list[Meeting]) -> dict[int, list[Msg]]:
    """Meeting id -> the lines listing its month's topics, for regular meetings that have
    some (two queries per month among these meetings)."""
    by_month: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        if meeting.kind == MeetingKind.REGULAR and meeting.period:
            by_month[meeting.period].append(meeting)
    found: dict[int, list[Msg]] = {}
    for month, regular in by_month.items():
        lines = await plans.agendas(session, {m.org_id for m in regular}, month)
        for meeting in regular:
            if meeting.org_id in lines:
                found[meeting.id or 0] = [
                    Msg("meetings.line.topics", month=notice.month_label(month)),
                    *lines[meeting.org_id]]
    return found

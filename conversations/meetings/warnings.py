"""Early warnings once attendance is saved: Statute Art. 8 counts months with a regular
meeting missed without reason in a calendar year; 12-HD/BTCTW flags a member absent with
reason at several regular meetings in a row."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.meetings import access
from storage.models import Attendance, Meeting, MeetingKind, Member, Organisation
from storage.repos import meetings as repo
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound


async def after_marking(session: AsyncSession, settings: Settings, meeting: Meeting,
                        marks: dict[int, Attendance], out: list[Outbound]) -> None:
    if meeting.kind != MeetingKind.REGULAR or meeting.period is None:
        return  # Art. 8 and the streak are about the monthly meeting
    org = await session.get(Organisation, meeting.org_id)
    leaders = await access.leaders(session, org) if org else []
    year = int(meeting.period[:4])
    for member_id, mark in marks.items():
        member = await session.get(Member, member_id)
        if member is None:
            continue
        if mark == Attendance.UNEXCUSED:
            await _unexcused(session, settings, member, year, leaders, out)
        elif mark == Attendance.EXCUSED:
            await _excused(session, settings, member, meeting, leaders, out)


async def _unexcused(session: AsyncSession, settings: Settings, member: Member, year: int,
                     leaders: list[Member], out: list[Outbound]) -> None:
    months = await repo.unexcused_months(session, member.id or 0, year)
    limit = settings.unexcused_absence_limit_per_year
    if months >= limit:
        body = [Msg("meetings.warning.article8", name=member.full_name, months=months,
                    year=year, limit=limit)]
        _to(leaders, member, body, f"meeting-art8:{member.id}:{year}:limit", out)
    elif months == settings.unexcused_absence_warning_at:
        body = [Msg("meetings.warning.second", name=member.full_name, months=months, year=year,
                    limit=limit)]
        _to(leaders, member, body, f"meeting-art8:{member.id}:{year}:{months}", out)
        out.append(Outbound(member.id or 0, [Msg("meetings.warning.member", months=months,
                                                 year=year, limit=limit)],
                            dedupe_key=f"meeting-art8:{member.id}:{year}:{months}:self"))


async def _excused(session: AsyncSession, settings: Settings, member: Member, meeting: Meeting,
                   leaders: list[Member], out: list[Outbound]) -> None:
    streak = settings.excused_absence_streak_limit
    latest = await repo.last_regular(session, member.id or 0, streak)
    if len(latest) == streak and all(mark == Attendance.EXCUSED for mark in latest):
        body = [Msg("meetings.warning.excused_streak", name=member.full_name, count=streak)]
        _to(leaders, member, body, f"meeting-excused:{member.id}:{meeting.id}", out)


def _to(leaders: list[Member], member: Member, body: list[Msg], key: str,
        out: list[Outbound]) -> None:
    """To the leaders, never to the member himself/herself as one of them."""
    for leader in leaders:
        if leader.id != member.id:
            out.append(Outbound(leader.id or 0, body, dedupe_key=f"{key}:{leader.id}"))

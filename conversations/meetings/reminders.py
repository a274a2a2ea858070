"""The timers of meetings: a reminder to the expected members (with the answer buttons and
any documents), and the monthly run that sets the next month's meetings."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.meetings import planner, service, texts
from storage.models import Meeting, MeetingStatus, Organisation, Timer
from storage.repos import meetings as repo
from storage.repos import outbox
from storage.repos.timers import TimerHandler
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound

log = logging.getLogger(__name__)


def make_remind(settings: Settings) -> TimerHandler:
    async def handler(session: AsyncSession, timer: Timer, now: datetime) -> None:
        out = await remind(session, settings, int(timer.payload["meeting"]),
                           int(timer.payload["days"]), now)
        await outbox.enqueue(session, out, now)

    return handler


async def remind(session: AsyncSession, settings: Settings, meeting_id: int, days: int,
                 now: datetime) -> list[Outbound]:
    """The reminder for every expected member; none once the meeting began or was called off
    (a timer fired late after a restart is sent only while the meeting is still ahead)."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= now \
            or planner.superseded(settings, meeting, days, now):
        return []
    org = await session.get(Organisation, meeting.org_id)
    query = await service.expected_query(session, settings, meeting)
    await repo.add_attendees(session, meeting_id, query, now)
    answered = await repo.answers(session, meeting_id)
    members = list((await session.exec(query)).all())
    head = _head(meeting, now, settings)
    body = [head, *texts.details(meeting, org)]
    choices = texts.answer_choices(meeting)
    out = []
    for member_id in members:
        said = answered.get(member_id)
        lines = [*body, Msg(f"meetings.reminder.said_{said}") if said
                 else Msg("meetings.reminder.please_answer")]
        out.append(Outbound(member_id, lines, choices, bulk=True,
                            dedupe_key=f"meeting-reminder:{meeting_id}:{member_id}:{days}",
                            subject=texts.subject(meeting)))
    do = service.Doing(session, settings, now, out=out)
    await service.send_documents(do, meeting, members)
    session.add(meeting)
    return do.out


def _head(meeting: Meeting, now: datetime, settings: Settings) -> Msg:
    gap = (meeting.starts_at.astimezone(settings.tz).date()
           - now.astimezone(settings.tz).date()).days
    if gap == 0:
        return Msg("meetings.reminder.today", kind=texts.kind(meeting))
    if gap == 1:
        return Msg("meetings.reminder.tomorrow", kind=texts.kind(meeting))
    return Msg("meetings.reminder.soon", kind=texts.kind(meeting), days=gap)


def make_month(settings: Settings) -> TimerHandler:
    async def handler(session: AsyncSession, timer: Timer, now: datetime) -> None:
        month = date.fromisoformat(str(timer.payload["month"]))
        planned = await planner.plan_month(session, settings, month, now)
        for day, need, can in planned.overloaded:
            log.warning("meeting reminders of %s: %d messages, the window carries %d",
                        day, need, can)
        await planner.schedule_month(session, settings, planner.month_after(month), now)

    return handler

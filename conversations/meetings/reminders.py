"""The timers of meetings: reminders to the expected members (with the answer buttons and
any documents), and the monthly run that sets the next month's meetings.

Each meeting has its own reminder timers (so moving or cancelling one touches only its
own), but the first of them the runner fires takes the other due ones along, up to
`meeting_reminder_batch`, in its transaction: on a day thousands of chi bo share, the
audience is computed and the reminders queued by a few set-based statements per batch,
not a dozen per meeting.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.meetings import agenda, audience, planner, service, texts
from storage.models import Meeting, MeetingStatus, Organisation, Timer
from storage.repos import meetings as repo
from storage.repos import outbox, timers
from storage.repos.timers import TimerHandler
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Outbound

log = logging.getLogger(__name__)


def make_remind(settings: Settings) -> TimerHandler:
    async def handler(session: AsyncSession, timer: Timer, now: datetime) -> None:
        others = await timers.claim_due(session, planner.REMIND, now,
                                        settings.meeting_reminder_batch - 1)
        due = [(int(p["meeting"]), int(p["days"])) for p in (timer.payload, *others)]
        out = await remind_many(session, settings, due, now)
        await outbox.enqueue_uncounted(session, out, now)

    return handler


async def remind_many(session: AsyncSession, settings: Settings,
                      due: list[tuple[int, int]], now: datetime) -> list[Outbound]:
    """The reminders for every expected member of these meetings; none for a meeting that
    began or was called off (a timer fired late after a restart is sent only while the
    meeting is still ahead), nor when a reminder nearer the meeting is due already."""
    offsets = dict(due)
    found = (await session.exec(select(Meeting).where(col(Meeting.id).in_(list(offsets))))).all()
    live = [m for m in found if m.status == MeetingStatus.PLANNED and m.starts_at > now
            and not planner.superseded(settings, m, offsets[m.id or 0], now)]
    by_day: dict[date, list[Meeting]] = defaultdict(list)
    for meeting in live:
        by_day[meeting.starts_at.astimezone(settings.tz).date()].append(meeting)
    names = await _names(session, {m.org_id for m in live})
    out: list[Outbound] = []
    for day, meetings in by_day.items():
        ids = [m.id or 0 for m in meetings]
        pairs = audience.expected_pairs(meetings, day)
        await repo.add_attendees(session, pairs, now)
        await audience.excuse_informed_away(session, ids, day)
        rows, told = _split(await repo.expected_with_answers(
            session, pairs, audience.informed_away(day)))
        by_id = {m.id or 0: m for m in meetings}
        topics = await agenda.topics_of(session, meetings)
        out += _messages(settings, by_id, names, topics, offsets, rows, now)
        out += _away_notices(by_id, names, topics, told)
        await _documents(session, settings, meetings, rows, now, out)
    return out


async def _names(session: AsyncSession, org_ids: set[int]) -> dict[int, Organisation]:
    if not org_ids:
        return {}
    query = select(Organisation).where(col(Organisation.id).in_(org_ids))
    return {o.id or 0: o for o in (await session.exec(query)).all()}


def _split(rows: list[tuple[int, int, str | None, bool]]
           ) -> tuple[list[tuple[int, int, str | None]], list[tuple[int, int, str | None]]]:
    """(reminded, told once) from (meeting, member, answer, away on inform only): such a
    member gets the one notice instead of the reminders, until he/she says he/she will
    still come."""
    reminded: list[tuple[int, int, str | None]] = []
    told: list[tuple[int, int, str | None]] = []
    for meeting_id, member_id, answer, away in rows:
        (told if away and answer != "attend" else reminded).append((meeting_id, member_id, answer))
    return reminded, told


def _messages(settings: Settings, meetings: dict[int, Meeting], orgs: dict[int, Organisation],
              topics: dict[int, list[Msg]], offsets: dict[int, int],
              rows: list[tuple[int, int, str | None]], now: datetime) -> list[Outbound]:
    said = {None: Msg("meetings.reminder.please_answer"),
            "attend": Msg("meetings.reminder.said_attend"),
            "absent": Msg("meetings.reminder.said_absent")}
    # One body per meeting and answer, shared by its messages (the outbox encodes it once).
    bodies = {(i, answer): [_head(m, now, settings),
                            *texts.details(m, orgs.get(m.org_id), topics.get(i)), line]
              for i, m in meetings.items() for answer, line in said.items()}
    choices = {i: texts.answer_choices(m) for i, m in meetings.items()}
    # A moved meeting's reminders are new messages, not repeats of those sent before it moved.
    moved = {i: f":r{m.revision}" if m.revision > 1 else "" for i, m in meetings.items()}
    return [Outbound(member_id, bodies[(meeting_id, answer)], choices[meeting_id],
                     bulk=True, subject=texts.subject(meetings[meeting_id]),
                     dedupe_key=f"meeting-reminder:{meeting_id}:{member_id}:"
                                f"{offsets[meeting_id]}{moved[meeting_id]}")
            for meeting_id, member_id, answer in rows]


def _away_notices(meetings: dict[int, Meeting], orgs: dict[int, Organisation],
                  topics: dict[int, list[Msg]], rows: list[tuple[int, int, str | None]]
                  ) -> list[Outbound]:
    """The one notice to those who reported being away (inform only): counted absent with
    reason unless they answer «Toi van se du»; its key has no offset, so it goes once."""
    bodies = {i: [Msg("meetings.away.head", kind=texts.kind(m)),
                  *texts.details(m, orgs.get(m.org_id), topics.get(i)),
                  Msg("meetings.away.counted")]
              for i, m in meetings.items()}
    choices = {i: texts.still_attend_choice(m) for i, m in meetings.items()}
    return [Outbound(member_id, bodies[meeting_id], choices[meeting_id], bulk=True,
                     subject=texts.subject(meetings[meeting_id]),
                     dedupe_key=f"meeting-away:{meeting_id}:{member_id}")
            for meeting_id, member_id, _answer in rows]


async def _documents(session: AsyncSession, settings: Settings, meetings: list[Meeting],
                     rows: list[tuple[int, int, str | None]], now: datetime,
                     out: list[Outbound]) -> None:
    """Documents attached in time go out with the first reminder."""
    for meeting in meetings:
        if any(not doc.get("sent") for doc in meeting.documents):
            members = [member for m, member, _a in rows if m == meeting.id]
            do = service.Doing(session, settings, now, out=out)
            await service.send_documents(do, meeting, members)
            session.add(meeting)


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

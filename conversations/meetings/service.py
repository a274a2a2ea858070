"""What can be done to meetings, for the chat and the command line alike: plan, hold once,
move, cancel, attach a document, save attendance. Refusals raise MeetingError."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.meetings import audience, planner, texts, warnings
from conversations.meetings import rule as rules
from storage.models import (
    Attendance,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
    Member,
    Organisation,
    OrgKind,
)
from storage.repos import meetings as repo
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import FileRef, Outbound


class MeetingError(ValueError):
    """A refusal; `msg` says why, in the catalogue."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.key)
        self.msg = msg


@dataclass
class Doing:
    """One change made to meetings: when, by whom, and the messages it queues."""

    session: AsyncSession
    settings: Settings
    now: datetime
    by: Member | None = None
    out: list[Outbound] = field(default_factory=list)


def _holds_meetings(org: Organisation) -> None:
    if not (OrgKind(org.kind).is_branch or org.kind == OrgKind.GROUP):
        raise MeetingError(Msg("meetings.error.not_branch", org=org.name))


async def plan(do: Doing, org: Organisation, kind: MeetingKind, rule_text: str,
               place: str) -> tuple[MeetingPlan, planner.Planned]:
    """A recurring meeting; one plan of each kind per organisation."""
    _holds_meetings(org)
    if kind == MeetingKind.EXTRAORDINARY:
        raise MeetingError(Msg("meetings.error.extraordinary_rule"))
    try:
        rules.parse(rule_text)
    except rules.RuleError as wrong:
        raise MeetingError(Msg(wrong.key, rule=rule_text)) from None
    if any(p.kind == kind for p in await repo.plans_of(do.session, org.id or 0)):
        raise MeetingError(Msg("meetings.error.plan_exists", kind=Msg(f"meetings.kind.{kind}")))
    await _refuse_clashes(do, org, rule_text)  # before anything is written
    new = MeetingPlan(org_id=org.id or 0, kind=kind, rule=rule_text.strip(),
                      place=place.strip(), created_by=do.by.id if do.by else None,
                      created_at=do.now)
    do.session.add(new)
    await do.session.flush()
    return new, await planner.start_plan(do.session, do.settings, new, do.now)


async def _refuse_clashes(do: Doing, org: Organisation, rule_text: str) -> None:
    """A plan whose meetings would fall on another planned meeting of the organisation."""
    horizon = do.now + timedelta(days=366)
    for moment in rules.parse(rule_text).occurrences(do.now, horizon, do.settings.tz):
        if await _clash(do, org.id or 0, moment):
            raise MeetingError(Msg("meetings.error.clash", at=moment))


async def _clash(do: Doing, org_id: int, moment: datetime, exclude: int | None = None) -> bool:
    span = timedelta(minutes=do.settings.meeting_minutes)
    return bool(await repo.clashes(do.session, org_id, moment - span, moment + span, exclude))


async def hold(do: Doing, org: Organisation, kind: MeetingKind, starts_at: datetime,
               place: str, agenda: str | None = None) -> Meeting:
    """A one-off meeting (extraordinary, or a thematic one outside any plan)."""
    _holds_meetings(org)
    if starts_at <= do.now:
        raise MeetingError(Msg("meetings.error.past", at=starts_at))
    if await _clash(do, org.id or 0, starts_at):
        raise MeetingError(Msg("meetings.error.clash", at=starts_at))
    meeting = Meeting(org_id=org.id or 0, kind=kind, starts_at=starts_at, place=place.strip(),
                      agenda=agenda or None, created_by=do.by.id if do.by else None,
                      created_at=do.now,
                      period=planner.period_of(starts_at, do.settings)
                      if kind == MeetingKind.REGULAR else None)
    do.session.add(meeting)
    await do.session.flush()
    await planner.schedule_reminders(do.session, do.settings, [meeting], do.now)
    return meeting


async def cancel(do: Doing, meeting: Meeting) -> int:
    """Cancel a meeting ahead; everyone already reminded is told. Returns how many."""
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= do.now:
        raise MeetingError(Msg("meetings.error.not_ahead"))
    meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, do.now
    do.session.add(meeting)
    await planner.cancel_reminders(do.session, do.settings, meeting, do.now)
    org = await do.session.get(Organisation, meeting.org_id)
    told = await repo.reminded(do.session, meeting.id or 0)
    for member_id in told:
        do.out.append(Outbound(member_id, [Msg("meetings.cancelled.head"),
                                           *texts.details(meeting, org)],
                               dedupe_key=f"meeting-cancel:{meeting.id}:{member_id}",
                               subject=texts.subject(meeting)))
    return len(told)


async def check_move(do: Doing, meeting: Meeting, starts_at: datetime) -> None:
    """Refuse a move of a meeting past or called off, to a past time, or onto another."""
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= do.now:
        raise MeetingError(Msg("meetings.error.not_ahead"))
    if starts_at <= do.now:
        raise MeetingError(Msg("meetings.error.past", at=starts_at))
    if await _clash(do, meeting.org_id, starts_at, exclude=meeting.id):
        raise MeetingError(Msg("meetings.error.clash", at=starts_at))


async def move(do: Doing, meeting: Meeting, starts_at: datetime, place: str | None) -> int:
    """A new time or place; everyone already reminded is told, reminders follow the time."""
    await check_move(do, meeting, starts_at)
    meeting.starts_at = starts_at
    meeting.place = place.strip() if place is not None else meeting.place
    meeting.revision += 1
    do.session.add(meeting)
    await planner.reschedule(do.session, do.settings, meeting, do.now)
    org = await do.session.get(Organisation, meeting.org_id)
    told = await repo.reminded(do.session, meeting.id or 0)
    for member_id in told:
        do.out.append(Outbound(member_id, [Msg("meetings.changed.head"),
                                           *texts.details(meeting, org)],
                               texts.answer_choices(meeting),
                               dedupe_key=f"meeting-change:{meeting.id}:{meeting.revision}:"
                                          f"{member_id}",
                               subject=texts.subject(meeting)))
    return len(told)


def is_late(settings: Settings, meeting: Meeting, now: datetime) -> bool:
    """42-HD/BTCTW: documents are posted at least a day before the meeting."""
    return now > meeting.starts_at - timedelta(days=settings.meeting_documents_days_before)


async def add_document(do: Doing, meeting: Meeting, file: FileRef) -> bool:
    """Attach a document; a late one goes out at once. Returns whether it was late."""
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= do.now:
        raise MeetingError(Msg("meetings.error.not_ahead"))
    late = is_late(do.settings, meeting, do.now)
    meeting.documents = [*meeting.documents, {**file.__dict__, "sent": False}]
    if late:
        await send_documents(do, meeting, await expected_ids(do.session, do.settings, meeting))
    do.session.add(meeting)
    return late


async def send_documents(do: Doing, meeting: Meeting, member_ids: list[int]) -> None:
    """Documents not yet sent go to these members; they count as sent from now on."""
    docs = list(meeting.documents)
    for index, doc in enumerate(docs):
        if doc.get("sent"):
            continue
        file = FileRef(**{k: v for k, v in doc.items() if k != "sent"})
        do.out += [Outbound(member_id, [Msg("meetings.document", name=file.name)],
                            attachment=file, bulk=True,
                            dedupe_key=f"meeting-doc:{meeting.id}:{index}:{member_id}",
                            subject=texts.subject(meeting))
                   for member_id in member_ids]
        docs[index] = {**doc, "sent": True}
    meeting.documents = docs


async def expected_query(session: AsyncSession, settings: Settings,
                         meeting: Meeting) -> Select[tuple[int]]:
    """The audience of the meeting, as a query (see audience.expected)."""
    org = await session.get(Organisation, meeting.org_id)
    return audience.expected(meeting.org_id, org.kind if org else OrgKind.BRANCH,
                             meeting.starts_at.astimezone(settings.tz).date())


def pairs_of(settings: Settings, meeting: Meeting) -> Any:
    """The meeting's audience as (meeting_id, member_id) rows (see audience.expected_pairs)."""
    return audience.expected_pairs([meeting], meeting.starts_at.astimezone(settings.tz).date())


async def record_expected(session: AsyncSession, settings: Settings, meeting: Meeting) -> None:
    """The audience as attendee rows; those who reported being away (inform only) and did
    not answer count as excused (away)."""
    await repo.add_attendees(session, pairs_of(settings, meeting), None)
    await audience.excuse_informed_away(session, [meeting.id or 0],
                                        meeting.starts_at.astimezone(settings.tz).date())


async def expected_ids(session: AsyncSession, settings: Settings, meeting: Meeting) -> list[int]:
    query = await expected_query(session, settings, meeting)
    return list((await session.exec(query)).all())


async def checklist(session: AsyncSession, settings: Settings,
                    meeting: Meeting) -> dict[int, Attendance]:
    """The marks to start from: saved ones, else the answers (no answer: present)."""
    await record_expected(session, settings, meeting)
    marks = {}
    for row, _member in await repo.attendees(session, meeting.id or 0):
        marks[row.member_id] = row.attendance or _from_answer(row)
    return marks


def _from_answer(row: MeetingAttendee) -> Attendance:
    return Attendance.EXCUSED if row.answer == "absent" else Attendance.PRESENT


def may_mark(settings: Settings, meeting: Meeting, now: datetime) -> bool:
    """After it began, and for `meeting_attendance_edit_days`."""
    edit = timedelta(days=settings.meeting_attendance_edit_days)
    return (meeting.status == MeetingStatus.PLANNED
            and meeting.starts_at <= now <= meeting.starts_at + edit)


async def save_attendance(do: Doing, meeting: Meeting, marks: dict[int, Attendance]
                          ) -> tuple[int, int]:
    """Record the checklist and send the early warnings it calls for; (present, expected)."""
    if not may_mark(do.settings, meeting, do.now):
        raise MeetingError(Msg("meetings.error.mark_window",
                               days=do.settings.meeting_attendance_edit_days))
    for row, _member in await repo.attendees(do.session, meeting.id or 0):
        if row.member_id in marks:
            row.attendance, row.marked_at = marks[row.member_id], do.now
            do.session.add(row)
    meeting.marked_at, meeting.marked_by = do.now, do.by.id if do.by else None
    do.session.add(meeting)
    await do.session.flush()
    await warnings.after_marking(do.session, do.settings, meeting, marks, do.out)
    return await repo.rate(do.session, [meeting.id or 0])


async def year_rate(session: AsyncSession, meeting: Meeting) -> tuple[int, int]:
    """The organisation's attendance at this year's regular meetings so far."""
    year = meeting.starts_at.year if meeting.period is None else int(meeting.period[:4])
    return await repo.rate(session, await repo.regular_in_year(session, meeting.org_id, year))


async def end_plan(do: Doing, plan: MeetingPlan) -> int:
    """Stop a plan: its meetings ahead are cancelled (those reminded are told)."""
    if plan.ended_at is not None:
        raise MeetingError(Msg("meetings.error.plan_ended"))
    plan.ended_at = do.now
    do.session.add(plan)
    ahead = [m for m in await repo.of_orgs(do.session, [plan.org_id], do.now)
             if m.plan_id == plan.id and m.status == MeetingStatus.PLANNED]
    for meeting in ahead:
        await cancel(do, meeting)
    return len(ahead)

"""From plans to meetings and their reminder timers, a month at a time, spread to fit the rate.

A month's meetings are created `meeting_plan_ahead_days` before it begins, each with one
timer per reminder offset. Reminders of days before are spread over the window of their
day in proportion to each meeting's audience, so that a day many chi bo share does not
queue everything at 07:00; the planner says which days do not fit the channel's rate,
and which Zalo bots' monthly budgets do not carry the month's reminders (budget.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.meetings import budget
from conversations.meetings import rule as rules
from conversations.meetings.audience import reminded
from storage.models import Meeting, MeetingPlan, Member, Organisation, OrgKind, Timer
from storage.new_rows import NewRows
from storage.repos import meetings as repo
from storage.repos import timers
from vocabulary.settings import Settings

REMIND = "meeting.remind"
MONTH = "meeting.month"
_NEW_TIMERS = NewRows(Timer.__table__, "key")  # type: ignore[attr-defined]
FEW = 1000  # organisations named in a query's IN list; more are read whole


@dataclass
class Planned:
    """What one run of the planner did, the days whose reminders do not fit the rate, and
    the Zalo bots whose month does not carry them."""

    meetings: int = 0  # created
    timers: int = 0  # set (or already there)
    overloaded: list[tuple[date, int, int]] = field(default_factory=list)  # day, need, can
    zalo_short: list[budget.Shortfall] = field(default_factory=list)


def remind_key(meeting_id: int, days: int) -> str:
    return f"meeting:{meeting_id}:remind:{days}"


def period_of(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m")


async def plan_month(session: AsyncSession, settings: Settings, month: date, now: datetime,
                     plan_ids: list[int] | None = None) -> Planned:
    """Create the month's meetings of the active plans (or of `plan_ids`) and their timers."""
    start, end = rules.month_bounds(month, settings.tz)
    plans = await repo.active_plans(session, plan_ids)
    rows, known = [], {}  # many chi bo share a rule: each distinct rule is read once
    for plan in plans:
        if plan.rule not in known:
            known[plan.rule] = rules.parse(plan.rule).occurrences(start, end, settings.tz)
        rows += [_occurrence(plan, moment, settings, now) for moment in known[plan.rule]
                 if moment > now]
    added = await repo.add_occurrences(session, rows, now)
    period = f"{month.year:04d}-{month.month:02d}"
    meetings = await repo.in_period(session, period, plan_ids, now)
    planned = await schedule_reminders(session, settings, meetings, now)
    planned.meetings = added
    planned.zalo_short = await budget.shortfalls(session, settings, month, now)
    return planned


def _occurrence(plan: MeetingPlan, moment: datetime, settings: Settings,
                now: datetime) -> dict[str, object]:
    return {"org_id": plan.org_id, "plan_id": plan.id, "kind": plan.kind,
            "period": period_of(moment, settings), "starts_at": moment, "place": plan.place,
            "agenda": None, "documents": [], "status": "planned", "revision": 1,
            "created_by": plan.created_by, "created_at": now, "cancelled_at": None,
            "marked_at": None, "marked_by": None}


class Scheduled(Protocol):
    """What the planner reads of a meeting (an entity, or a plain row of these columns)."""

    id: int | None
    org_id: int
    starts_at: datetime


async def schedule_reminders(session: AsyncSession, settings: Settings,
                             meetings: Sequence[Scheduled], now: datetime) -> Planned:
    """One timer per meeting and offset; a timer set before keeps its time."""
    sizes = await audience_sizes(session, {m.org_id for m in meetings})
    by_day: dict[tuple[date, int], list[Scheduled]] = defaultdict(list)
    for meeting in meetings:
        for days in settings.meeting_reminder_days:
            day = meeting.starts_at.astimezone(settings.tz).date() - timedelta(days=days)
            by_day[(day, days)].append(meeting)
    rows, planned = [], Planned()
    for (day, days), group in sorted(by_day.items(), key=lambda item: item[0]):
        group.sort(key=lambda m: (m.starts_at, m.id or 0))
        dues = _spread(day, days, [sizes.get(m.org_id, 0) for m in group], settings)
        need = sum(sizes.get(m.org_id, 0) for m in group)
        if days and need > _capacity(settings):
            planned.overloaded.append((day, need, _capacity(settings)))
        for meeting, due in zip(group, dues, strict=True):
            if due >= meeting.starts_at or superseded(settings, meeting, days, now):
                continue  # after the meeting began, or a later reminder is due already
            rows.append({"kind": REMIND, "key": remind_key(meeting.id or 0, days),
                         "due_at": max(due, now), "payload": {"meeting": meeting.id,
                                                               "days": days},
                         "fired_at": None, "created_at": now})
    await _NEW_TIMERS.insert_uncounted(session, rows)
    planned.timers = len(rows)  # set, or kept as they were
    return planned


def superseded(settings: Settings, meeting: Scheduled, days: int, now: datetime) -> bool:
    """Whether a reminder nearer the meeting is due by now (one late reminder, not two)."""
    local = meeting.starts_at.astimezone(settings.tz).date()
    for nearer in settings.meeting_reminder_days:
        if nearer < days:
            start = _window(local - timedelta(days=nearer), settings)[0]
            if start <= now and start < meeting.starts_at:
                return True
    return False


def _window(day: date, settings: Settings) -> tuple[datetime, datetime]:
    tz = settings.tz
    return (datetime.combine(day, settings.meeting_reminder_window_start, tz),
            datetime.combine(day, settings.meeting_reminder_window_end, tz))


def _spread(day: date, days: int, sizes: list[int], settings: Settings) -> list[datetime]:
    """Due times on `day`: the morning-of ones at the window's start, the others spread."""
    start, end = _window(day, settings)
    if days == 0:
        return [start] * len(sizes)
    total, before, dues = sum(sizes) or 1, 0, []
    for size in sizes:
        dues.append(start + (end - start) * (before / total))
        before += size
    return dues


def _capacity(settings: Settings) -> int:
    """Messages the window carries at the slowest configured channel's rate."""
    start, end = (datetime.combine(date(2000, 1, 1), t) for t in
                  (settings.meeting_reminder_window_start, settings.meeting_reminder_window_end))
    rate = min(settings.delivery_rates.values(), default=0.0)
    return int((end - start).total_seconds() * rate) if rate else 1 << 62


async def audience_sizes(session: AsyncSession, org_ids: set[int]) -> dict[int, int]:
    """About how many members each organisation's meeting reaches (for spreading)."""
    if not org_ids:
        return {}
    few = len(org_ids) <= FEW  # a province's month: every organisation, no list of ids
    kinds_query = select(Organisation.id, Organisation.kind)
    if few:
        kinds_query = kinds_query.where(col(Organisation.id).in_(org_ids))
    groups = {i for i, kind in (await session.exec(kinds_query)).all() if kind == OrgKind.GROUP}
    sizes: dict[int, int] = {}
    for column, is_group in ((Member.branch_id, False), (Member.group_id, True)):
        query = (select(column, func.count()).where(reminded())
                 .group_by(column))
        if few:
            query = query.where(col(column).in_(org_ids))
        for org, n in (await session.exec(query)).all():
            if org is not None and (int(org) in groups) == is_group and int(org) in org_ids:
                sizes[int(org)] = int(n)
    return sizes


async def reschedule(session: AsyncSession, settings: Settings, meeting: Meeting,
                     now: datetime) -> None:
    """A moved meeting's reminders move with it: those not yet sent, and those sent before
    whose day for the new time is still to come (a late one is not sent twice)."""
    for days in settings.meeting_reminder_days:
        day = meeting.starts_at.astimezone(settings.tz).date() - timedelta(days=days)
        start = _window(day, settings)[0]
        due = max(start, now)
        if due < meeting.starts_at:
            await timers.schedule(session, REMIND, remind_key(meeting.id or 0, days), due, now,
                                  rearm=start > now, meeting=meeting.id, days=days)
        else:
            await timers.cancel(session, remind_key(meeting.id or 0, days), now)


async def cancel_reminders(session: AsyncSession, settings: Settings, meeting: Meeting,
                           now: datetime) -> None:
    for days in settings.meeting_reminder_days:
        await timers.cancel(session, remind_key(meeting.id or 0, days), now)


def month_after(month: date, count: int = 1) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


async def schedule_month(session: AsyncSession, settings: Settings, month: date,
                         now: datetime) -> None:
    """The timer that plans `month` ahead of time."""
    start, _end = rules.month_bounds(month, settings.tz)
    due = max(start - timedelta(days=settings.meeting_plan_ahead_days), now)
    await timers.schedule(session, MONTH, f"meetings:month:{month:%Y-%m}", due, now,
                          month=month.isoformat())


async def start_plan(session: AsyncSession, settings: Settings, plan: MeetingPlan,
                     now: datetime) -> Planned:
    """A new plan's meetings of every month whose planning time has come; the next month's
    timer plans the rest."""
    month = now.astimezone(settings.tz).date().replace(day=1)
    ahead = timedelta(days=settings.meeting_plan_ahead_days)
    planned = Planned()
    while rules.month_bounds(month, settings.tz)[0] - ahead <= now:
        done = await plan_month(session, settings, month, now, [plan.id or 0])
        planned.meetings += done.meetings
        planned.timers += done.timers
        planned.overloaded += done.overloaded
        planned.zalo_short += done.zalo_short
        month = month_after(month)
    await schedule_month(session, settings, month, now)
    return planned

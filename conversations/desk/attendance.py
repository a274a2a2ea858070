"""Attendance per month for the desk's chart, from the meetings capability's records."""

from __future__ import annotations

from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.scope import Scope
from conversations.desk.series import MonthlySeries
from storage.models import MeetingStatus
from storage.repos import meetings
from vocabulary.messages import Msg


async def attendance_by_month(session: AsyncSession, scope: Scope,
                              months: list[date]) -> dict[date, float | None]:
    """Present of those expected at the marked meetings that started in each month (local
    time), in percent; a month with no marked meeting has no figure."""
    if not months:
        return {}
    tz = scope.settings.tz
    since = datetime.combine(months[0], time(), tz)
    until = datetime.combine(months[-1] + relativedelta(months=1), time(), tz)
    by_month: dict[date, list[int]] = {}
    for meeting in await meetings.of_orgs(session, list(scope.branch_ids), since, until):
        if meeting.status == MeetingStatus.PLANNED and meeting.marked_at is not None:
            month = meeting.starts_at.astimezone(tz).date().replace(day=1)
            by_month.setdefault(month, []).append(meeting.id or 0)
    values: dict[date, float | None] = dict.fromkeys(months)
    for month, ids in by_month.items():
        present, expected = await meetings.rate(session, ids)
        values[month] = round(100 * present / expected, 1) if expected else None
    return values


ATTENDANCE = MonthlySeries("attendance", Msg("desk.series.attendance"),
                           lambda settings: float(settings.attendance_target_percent),
                           attendance_by_month, order=10)

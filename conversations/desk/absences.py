"""The desk's list of absences from regular meetings this year, with Article 8's flags,
from the meetings capability's attendance records and its thresholds (the same settings
its warnings use)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.lists import scope_members
from conversations.desk.scope import Scope
from conversations.desk.sections import Row, Section
from storage.models import Attendance
from storage.repos import meetings
from vocabulary.messages import Msg
from vocabulary.settings import Settings


def article8_flag(months: int, settings: Settings) -> Msg | None:
    """Statute Art. 8: the limit of months missed without reason, or the warning before it."""
    limit = settings.unexcused_absence_limit_per_year
    if months >= limit:
        return Msg("desk.absence.article8", months=months, limit=limit)
    if months >= settings.unexcused_absence_warning_at:
        return Msg("desk.absence.warning", months=months, limit=limit)
    return None


async def _streak(session: AsyncSession, member_id: int, settings: Settings) -> Msg | None:
    """12-HD/BTCTW: excused from the latest regular meetings in a row, as warnings.py checks."""
    count = settings.excused_absence_streak_limit
    latest = await meetings.last_regular(session, member_id, count)
    if len(latest) == count and all(mark == Attendance.EXCUSED for mark in latest):
        return Msg("desk.absence.streak", count=count)
    return None


async def _absence_rows(session: AsyncSession, scope: Scope) -> list[Row]:
    """Members with an absence this year, the most months without reason first."""
    members = {m.id or 0: m for m in await scope_members(session, scope)}
    counts = await meetings.absences_in_year(session, list(members), scope.today.year)
    ranked = sorted(counts.items(),
                    key=lambda i: (-i[1][2], -i[1][1], -i[1][0], members[i[0]].full_name))
    rows: list[Row] = []
    for member_id, (excused, unexcused, months) in ranked:
        streak = await _streak(session, member_id, scope.settings) if excused else None
        rows.append((members[member_id].full_name, excused, unexcused, months,
                     article8_flag(months, scope.settings), streak))
    return rows


ABSENCES = Section("absences", Msg("desk.section.absences"),
                   (Msg("desk.col.name"), Msg("desk.col.excused"), Msg("desk.col.unexcused"),
                    Msg("desk.col.unexcused_months"), Msg("desk.col.article8"),
                    Msg("desk.col.excused_streak")), _absence_rows, order=30,
                   sheet=Msg("desk.sheet.absences"))

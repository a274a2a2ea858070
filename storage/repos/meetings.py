"""Meetings, their plans and attendees: set-based inserts and the queries the flows need."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, literal, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Attendance,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
    Member,
)
from storage.new_rows import NewRows
from storage.types import UTCDateTime

IN_LIST_LIMIT = 10_000  # ids bound in one IN list: asyncpg takes at most 32,767 arguments
_NEW_MEETINGS = NewRows(Meeting.__table__, "plan_id", "period")  # type: ignore[attr-defined]
_ATTENDEES = MeetingAttendee.__table__  # type: ignore[attr-defined]
# Built once, on the table: the member's menu asks this at every message that shows it.
_EVER_EXPECTED = (select(_ATTENDEES.c.meeting_id)
                  .where(_ATTENDEES.c.member_id == bindparam("member")).limit(1))
# The same of the member in a query about him/her: read with the account at each message.
EXPECTED_MEMBER = exists().where(_ATTENDEES.c.member_id == Member.id)
_NEVER_EXPECTED = "never_expected"  # in the session: members read as never expected


async def add_occurrences(session: AsyncSession, rows: list[dict[str, Any]],
                          now: datetime) -> int:
    """Insert a plan's meetings (one already there for its month is left as it is); returns
    how many are new, counted by their creation instant (PostgreSQL's executemany does not
    count)."""
    if not rows:
        return 0
    await _NEW_MEETINGS.insert_uncounted(session, rows)
    periods = sorted({str(r["period"]) for r in rows})
    plans = sorted({int(r["plan_id"]) for r in rows})
    added = 0
    for start in range(0, len(plans), IN_LIST_LIMIT):
        # By plan too: another plan's meetings made at the same instant are not these.
        query = select(func.count()).select_from(Meeting).where(
            Meeting.created_at == now, col(Meeting.period).in_(periods),
            col(Meeting.plan_id).in_(plans[start:start + IN_LIST_LIMIT]))
        added += int((await session.exec(query)).one())
    return added


async def active_plans(session: AsyncSession, plan_ids: list[int] | None = None
                       ) -> list[MeetingPlan]:
    query = select(MeetingPlan).where(col(MeetingPlan.ended_at).is_(None))
    if plan_ids is not None:
        query = query.where(col(MeetingPlan.id).in_(plan_ids))
    return list((await session.exec(query.order_by(col(MeetingPlan.id)))).all())


async def plans_of(session: AsyncSession, org_id: int) -> list[MeetingPlan]:
    query = select(MeetingPlan).where(MeetingPlan.org_id == org_id,
                                      col(MeetingPlan.ended_at).is_(None))
    return list((await session.exec(query.order_by(col(MeetingPlan.id)))).all())


async def in_period(session: AsyncSession, period: str, plan_ids: list[int] | None,
                    now: datetime) -> list[Any]:
    """Planned meetings of plans for one month that are still ahead: rows of their id,
    organisation and start (a province's month is tens of thousands: no entities)."""
    query = select(Meeting.id, Meeting.org_id, Meeting.starts_at).where(Meeting.period == period,
                                  Meeting.status == MeetingStatus.PLANNED,
                                  Meeting.starts_at > now, col(Meeting.plan_id).is_not(None))
    if plan_ids is not None:
        query = query.where(col(Meeting.plan_id).in_(plan_ids))
    return list((await session.exec(query.order_by(col(Meeting.id)))).all())


async def of_orgs(session: AsyncSession, org_ids: list[int], since: datetime,
                  until: datetime | None = None) -> list[Meeting]:
    """Meetings of these organisations starting from `since` (cancelled ones included)."""
    query = select(Meeting).where(col(Meeting.org_id).in_(org_ids), Meeting.starts_at >= since)
    if until is not None:
        query = query.where(Meeting.starts_at < until)
    return list((await session.exec(query.order_by(col(Meeting.starts_at)))).all())


async def clashes(session: AsyncSession, org_id: int, start: datetime, end: datetime,
                  exclude: int | None = None) -> list[Meeting]:
    """Planned meetings of the organisation starting in [start, end)."""
    query = select(Meeting).where(Meeting.org_id == org_id,
                                  Meeting.status == MeetingStatus.PLANNED,
                                  Meeting.starts_at >= start, Meeting.starts_at < end)
    if exclude is not None:
        query = query.where(Meeting.id != exclude)
    return list((await session.exec(query)).all())


async def ever_expected(session: AsyncSession, member_id: int) -> bool:
    """Whether the member has been expected at any meeting."""
    if member_id in session.info.get(_NEVER_EXPECTED, ()):
        return False
    found = await session.exec(_EVER_EXPECTED, params={"member": member_id})
    return found.first() is not None


def note_never_expected(session: AsyncSession, member_id: int) -> None:
    """Read in this transaction (with the account): `ever_expected` need not ask, until an
    attendee is added."""
    session.info.setdefault(_NEVER_EXPECTED, set()).add(member_id)


def new_attendee(session: AsyncSession, meeting_id: int, member_id: int) -> MeetingAttendee:
    """A row for a member expected now, for the caller to fill in and add."""
    session.info.pop(_NEVER_EXPECTED, None)
    return MeetingAttendee(meeting_id=meeting_id, member_id=member_id)


async def add_attendees(session: AsyncSession, pairs: Any, now: datetime | None) -> None:
    """Record the expected members, given as a (meeting_id, member_id) subquery; with `now`,
    those not yet reminded count as reminded now."""
    session.info.pop(_NEVER_EXPECTED, None)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # SQLite reads "FROM x ON CONFLICT" as a join unless a WHERE comes between.
    source = select(pairs.c.meeting_id, pairs.c.member_id, pairs.c.counted,
                    literal(now, UTCDateTime())).where(true())
    # INSERT ... SELECT: the audience never leaves the database.
    statement = insert(MeetingAttendee).from_select(
        ["meeting_id", "member_id", "counted", "reminded_at"], source,
    ).on_conflict_do_nothing(index_elements=["meeting_id", "member_id"])
    await session.exec(statement)  # type: ignore[call-overload]
    if now is not None:  # rows the officers' view made before any reminder went out
        ids = select(pairs.c.meeting_id).distinct()
        await session.exec(update(MeetingAttendee).where(  # type: ignore[call-overload]
            col(MeetingAttendee.meeting_id).in_(ids), col(MeetingAttendee.reminded_at).is_(None))
            .values(reminded_at=now))


async def excuse(session: AsyncSession, meeting_ids: list[int], member_ids: Any,
                 reason: str) -> None:
    """Those of these members who have not answered count as asking to be excused for
    `reason` (given as a subquery of member ids); an answer of their own stays."""
    await session.exec(update(MeetingAttendee).where(  # type: ignore[call-overload]
        col(MeetingAttendee.meeting_id).in_(meeting_ids),
        col(MeetingAttendee.member_id).in_(member_ids),
        col(MeetingAttendee.answer).is_(None)).values(answer="absent", reason=reason))


async def expected_with_answers(session: AsyncSession, pairs: Any, flagged: Any
                                ) -> list[tuple[int, int, str | None, bool]]:
    """(meeting_id, member_id, answer, flagged) for every expected member; `flagged`: whether
    the member is among these ids (a subquery), read in the same pass over the audience."""
    query = (select(pairs.c.meeting_id, pairs.c.member_id, MeetingAttendee.answer,
                    pairs.c.member_id.in_(flagged))
             .select_from(pairs.outerjoin(MeetingAttendee, and_(
                 MeetingAttendee.meeting_id == pairs.c.meeting_id,
                 MeetingAttendee.member_id == pairs.c.member_id)))
             .order_by(pairs.c.meeting_id, pairs.c.member_id))
    return [(int(m), int(p), a, bool(f)) for m, p, a, f in (await session.exec(query)).all()]


async def attendees(session: AsyncSession, meeting_id: int
                    ) -> list[tuple[MeetingAttendee, Member]]:
    query = (select(MeetingAttendee, Member).join(Member, Member.id == MeetingAttendee.member_id)
             .where(MeetingAttendee.meeting_id == meeting_id).order_by(col(Member.full_name)))
    return [(a, m) for a, m in (await session.exec(query)).all()]


async def attendee(session: AsyncSession, meeting_id: int, member_id: int
                   ) -> MeetingAttendee | None:
    return await session.get(MeetingAttendee, (meeting_id, member_id))


async def reminded(session: AsyncSession, meeting_id: int) -> list[int]:
    query = select(MeetingAttendee.member_id).where(
        MeetingAttendee.meeting_id == meeting_id, col(MeetingAttendee.reminded_at).is_not(None))
    return list((await session.exec(query)).all())


async def answers(session: AsyncSession, meeting_id: int) -> dict[int, str | None]:
    query = select(MeetingAttendee.member_id, MeetingAttendee.answer).where(
        MeetingAttendee.meeting_id == meeting_id)
    return dict((await session.exec(query)).all())


async def unexcused_months(session: AsyncSession, member_id: int, year: int) -> int:
    """Months of `year` in which the member missed a regular meeting without reason."""
    query = (select(func.count(func.distinct(Meeting.period)))
             .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
             .where(MeetingAttendee.member_id == member_id,
                    MeetingAttendee.attendance == Attendance.UNEXCUSED,
                    col(MeetingAttendee.counted),
                    Meeting.kind == MeetingKind.REGULAR,
                    Meeting.status == MeetingStatus.PLANNED,
                    col(Meeting.period).startswith(f"{year}-")))
    return int((await session.exec(query)).one())


async def last_regular(session: AsyncSession, member_id: int, limit: int
                       ) -> list[Attendance | None]:
    """The member's attendance at his/her latest marked regular meetings, newest first."""
    query = (select(MeetingAttendee.attendance)
             .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
             .where(MeetingAttendee.member_id == member_id, col(MeetingAttendee.counted),
                    Meeting.kind == MeetingKind.REGULAR,
                    Meeting.status == MeetingStatus.PLANNED,
                    col(MeetingAttendee.attendance).is_not(None))
             .order_by(col(Meeting.starts_at).desc()).limit(limit))
    return list((await session.exec(query)).all())


async def rate(session: AsyncSession, meeting_ids: list[int]) -> tuple[int, int]:
    """(present, expected) over marked meetings."""
    query = (select(func.count(), func.count().filter(
                 MeetingAttendee.attendance == Attendance.PRESENT))
             .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
             .where(col(MeetingAttendee.meeting_id).in_(meeting_ids),
                    col(MeetingAttendee.counted), col(Meeting.marked_at).is_not(None)))
    expected, present = (await session.exec(query)).one()
    return int(present), int(expected)


async def regular_in_year(session: AsyncSession, org_id: int, year: int) -> list[int]:
    query = select(Meeting.id).where(
        Meeting.org_id == org_id, Meeting.kind == MeetingKind.REGULAR,
        Meeting.status == MeetingStatus.PLANNED, col(Meeting.period).startswith(f"{year}-"))
    return list((await session.exec(query)).all())


async def history(session: AsyncSession, member_id: int, limit: int = 12
                  ) -> list[tuple[Meeting, MeetingAttendee]]:
    query = (select(Meeting, MeetingAttendee)
             .join(MeetingAttendee, and_(MeetingAttendee.meeting_id == Meeting.id,
                                         MeetingAttendee.member_id == member_id))
             .order_by(col(Meeting.starts_at).desc()).limit(limit))
    return [(m, a) for m, a in (await session.exec(query)).all()]


async def absences_in_year(session: AsyncSession, member_ids: list[int], year: int
                           ) -> dict[int, tuple[int, int, int]]:
    """Per member with an absence at a regular meeting of `year`: (excused, unexcused,
    months with an unexcused one), counted as `unexcused_months` counts, in one query."""
    if not member_ids:
        return {}
    unexcused = MeetingAttendee.attendance == Attendance.UNEXCUSED
    query = (select(MeetingAttendee.member_id,
                    func.count().filter(MeetingAttendee.attendance == Attendance.EXCUSED),
                    func.count().filter(unexcused),
                    func.count(func.distinct(case((unexcused, Meeting.period)))))
             .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
             .where(col(MeetingAttendee.member_id).in_(member_ids),
                    col(MeetingAttendee.attendance).in_([Attendance.EXCUSED, Attendance.UNEXCUSED]),
                    col(MeetingAttendee.counted), Meeting.kind == MeetingKind.REGULAR,
                    Meeting.status == MeetingStatus.PLANNED,
                    col(Meeting.period).startswith(f"{year}-"))
             .group_by(col(MeetingAttendee.member_id)))
    return {m: (int(e), int(u), int(n)) for m, e, u, n in (await session.exec(query)).all()}

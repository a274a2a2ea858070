"""Who is away from home, and how: set-based queries the meetings, topics and reports reuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, bindparam, case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AwayArrangement, AwayRecord, Member, Organisation, OrgKind
from storage.repos.timers import schedule

UPCOMING, AWAY, OVERDUE, RETURNED = "upcoming", "away", "overdue", "returned"
# The timers of away records (handled in conversations/away/timers.py); set here too, so that a
# roster import of members already away sets them as a report in the chat does.
OVERDUE_KIND, DUES_KIND = "away-overdue", "away-dues"
MANY = 1000  # chi bo ids beyond which a query reads all open records instead
ASK_HOUR = time(9)


@dataclass(frozen=True)
class Away:
    """One member away on a day: his/her home chi bo, how, and the host chi bo of a transfer."""

    member_id: int
    branch_id: int
    arrangement: AwayArrangement
    host_org_id: int | None


def state(record: AwayRecord, today: date) -> str:
    """sap di / dang o xa / qua han ve / da ve."""
    if record.returned_on is not None:
        return RETURNED
    if record.starts_on > today:
        return UPCOMING
    if record.ends_on is not None and record.ends_on < today:
        return OVERDUE
    return AWAY


def _open_on(day: date):  # type: ignore[no-untyped-def]
    """Away on `day`: left by then and not back (overdue members are still away)."""
    return (col(AwayRecord.starts_on) <= day) & or_(
        col(AwayRecord.returned_on).is_(None), col(AwayRecord.returned_on) > day)


_AWAY = (AwayRecord.member_id, AwayRecord.branch_id, AwayRecord.arrangement,
         AwayRecord.host_org_id)


async def _open_rows(session: AsyncSession, column: Any, ids: Sequence[int],
                     *where: Any) -> list[Any]:
    """Rows of records whose `column` is one of `ids`: an IN list for a few chi bo, and for
    more than `MANY` (a province's report) one pass over all open ones, kept by a set here,
    since a list that long is slow to send and asyncpg takes at most 32,767 parameters."""
    if not ids:
        return []
    if len(ids) <= MANY:
        rows = (await session.exec(select(*_AWAY).where(col(column).in_(list(ids)),
                                                        *where))).all()
        return list(rows)
    wanted = set(ids)
    rows = (await session.exec(select(*_AWAY).where(col(column).is_not(None), *where))).all()
    key = 1 if column is AwayRecord.branch_id else 3
    return [row for row in rows if row[key] in wanted]


async def away_on(
    session: AsyncSession, day: date, branch_ids: Sequence[int],
    arrangements: Sequence[AwayArrangement] = tuple(AwayArrangement),
) -> list[Away]:
    """Members of these home chi bo away on `day` under these arrangements (one query)."""
    rows = await _open_rows(session, AwayRecord.branch_id, branch_ids, _open_on(day),
                            col(AwayRecord.arrangement).in_([str(a) for a in arrangements]))
    return [Away(m, b, AwayArrangement(a), h) for m, b, a, h in rows]


async def hosted_by(session: AsyncSession, day: date, host_ids: Sequence[int]) -> list[Away]:
    """Members transferred in to these chi bo on `day` (they get its reminders and topics)."""
    rows = await _open_rows(session, AwayRecord.host_org_id, host_ids, _open_on(day),
                            AwayRecord.arrangement == AwayArrangement.TRANSFER)
    return [Away(m, b, AwayArrangement(a), h) for m, b, a, h in rows]


# Built once: the member's menu asks this at every message that shows it.
_CURRENT = (select(AwayRecord).where(AwayRecord.member_id == bindparam("member"),
                                     col(AwayRecord.returned_on).is_(None))
            .order_by(col(AwayRecord.id).desc()))


async def current(session: AsyncSession, member_id: int) -> AwayRecord | None:
    """The member's away record not yet closed by a return (upcoming or away)."""
    return (await session.exec(_CURRENT, params={"member": member_id})).first()


async def of_member(session: AsyncSession, member_id: int) -> list[AwayRecord]:
    """All the member's away records, latest first (for «Du lieu cua toi»)."""
    query = (select(AwayRecord).where(AwayRecord.member_id == member_id)
             .order_by(col(AwayRecord.id).desc()))
    return list((await session.exec(query)).all())


async def by_request(session: AsyncSession, request_id: int) -> AwayRecord | None:
    query = select(AwayRecord).where(AwayRecord.request_id == request_id)
    return (await session.exec(query)).first()


async def listing(
    session: AsyncSession, branch_ids: Sequence[int], today: date, *, hosted: bool = False,
) -> list[tuple[AwayRecord, Member]]:
    """Open records of these chi bo (or hosted by them), overdue first, then by start date."""
    if not branch_ids:
        return []
    # An officer's own chi bo: a handful of ids, one query.
    where = col(AwayRecord.host_org_id if hosted else AwayRecord.branch_id).in_(list(branch_ids))
    overdue_first = (col(AwayRecord.ends_on).is_(None)) | (col(AwayRecord.ends_on) >= today)
    query = (select(AwayRecord, Member).join(Member, col(Member.id) == AwayRecord.member_id)
             .where(where, col(AwayRecord.returned_on).is_(None))
             .order_by(overdue_first, col(AwayRecord.starts_on), col(AwayRecord.id)))
    return [(r, m) for r, m in (await session.exec(query)).all()]


async def counts_by_branch(
    session: AsyncSession, branch_ids: Sequence[int], today: date,
) -> dict[int, tuple[int, int]]:
    """For each chi bo with someone away: (away, of whom overdue), in one grouped query."""
    if not branch_ids:
        return {}
    overdue = func.sum(case((col(AwayRecord.ends_on) < today, 1), else_=0))
    query = (select(AwayRecord.branch_id, func.count(), overdue)
             .where(col(AwayRecord.returned_on).is_(None)).group_by(col(AwayRecord.branch_id)))
    if len(branch_ids) <= MANY:
        query = query.where(col(AwayRecord.branch_id).in_(list(branch_ids)))
    wanted = set(branch_ids)
    return {b: (int(n), int(o or 0)) for b, n, o in (await session.exec(query)).all()
            if b in wanted}


async def still_away(
    session: AsyncSession, day: date, limit: int, after_id: int = 0,
) -> list[tuple[int, int]]:
    """(record id, member id) of those away on `day`, in id order from `after_id` (the monthly
    dues reminder pages through them)."""
    query = (select(AwayRecord.id, AwayRecord.member_id)
             .where(_open_on(day), col(AwayRecord.id) > after_id)
             .order_by(col(AwayRecord.id)).limit(limit))
    return [(i or 0, m) for i, m in (await session.exec(query)).all()]


async def branch_names(session: AsyncSession) -> list[tuple[int, str]]:
    """Every chi bo's id and name (a transfer's host is found by name, diacritics folded)."""
    query = select(Organisation.id, Organisation.name).where(
        col(Organisation.kind).in_([OrgKind.BRANCH, OrgKind.BASE_BRANCH]))
    return [(i or 0, n) for i, n in (await session.exec(query)).all()]


def morning(day: date, tz: tzinfo) -> datetime:
    """Nine in the morning of `day` where the deployment lives, as a UTC instant."""
    return datetime.combine(day, ASK_HOUR, tzinfo=tz).astimezone(UTC)


async def schedule_overdue(
    session: AsyncSession, record: AwayRecord, tz: tzinfo, now: datetime,
) -> None:
    """The question the morning after the expected return (a new end date sets a new one)."""
    if record.ends_on is not None:
        await schedule(session, OVERDUE_KIND, f"{OVERDUE_KIND}:{record.id}:{record.ends_on}",
                       morning(record.ends_on + timedelta(days=1), tz), now, record=record.id)


async def schedule_dues(
    session: AsyncSession, after: date, dues_day: int, tz: tzinfo, now: datetime,
) -> None:
    """The next monthly dues reminder after `after` (one timer a month for the deployment)."""
    day = after.replace(day=dues_day)
    if day <= after:
        day += relativedelta(months=1)
    await schedule(session, DUES_KIND, f"{DUES_KIND}:{day:%Y-%m}", morning(day, tz), now)


def away_ids_on(day: date, arrangements: Sequence[AwayArrangement]) -> Select[tuple[int]]:
    """The ids of members away on `day` under these arrangements, as a subquery, for
    audiences computed in the database (a meeting's, a month's topics)."""
    return select(col(AwayRecord.member_id)).where(
        col(AwayRecord.arrangement).in_([str(a) for a in arrangements]), _open_on(day))


def hosted_on(day: date) -> Select[tuple[int, int]]:
    """(member_id, host chi bo id) of members transferred in on `day`, as a subquery."""
    return select(col(AwayRecord.member_id), col(AwayRecord.host_org_id)).where(
        AwayRecord.arrangement == AwayArrangement.TRANSFER,
        col(AwayRecord.host_org_id).is_not(None), _open_on(day))


def reported_ids_on(day: date, arrangements: Sequence[AwayArrangement]) -> Select[tuple[int]]:
    """As `away_ids_on`, but only inside the period the member reported (an overdue member,
    whose end date passed, is not among them): for what the report itself excuses."""
    return away_ids_on(day, arrangements).where(
        or_(col(AwayRecord.ends_on).is_(None), col(AwayRecord.ends_on) >= day))

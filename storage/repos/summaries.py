"""Monthly counts per chi bo (members, reductions, exemptions, away), refreshed set-based.

"Away" counts members away on tam mien (an away record open on the day counted), shown
apart from the rate as the province counts it.

Deployment-wide rates read one `branchmonth` row per chi bo instead of every member: on a
province of 50,000 chi bo the table is read in well under a second (bench/reports.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Date, Integer, bindparam, func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AwayArrangement, BranchMonth, MemberStatus, Organisation
from storage.types import UTCDateTime

_COUNTS = """
SELECT m.branch_id, :month, count(*),
       sum(CASE WHEN m.status = :reduced THEN 1 ELSE 0 END),
       sum(CASE WHEN m.status = :exempted THEN 1 ELSE 0 END),
       count(a.member_id),
       :now
FROM member m
LEFT JOIN (SELECT DISTINCT member_id FROM awayrecord WHERE arrangement = :suspend
           AND starts_on <= :day AND (returned_on IS NULL OR returned_on > :day)) a
       ON a.member_id = m.id
WHERE m.status <> :left {scope}
GROUP BY m.branch_id
"""
# ON CONFLICT reads the same on SQLite (3.24+) and PostgreSQL; concurrent refreshes of one
# month both land instead of one failing on the key.
_UPSERT = """
INSERT INTO branchmonth (branch_id, month, members, reduced, exempted, away, computed_at)
{counts}
ON CONFLICT (branch_id, month) DO UPDATE SET members = excluded.members,
    reduced = excluded.reduced, exempted = excluded.exempted, away = excluded.away,
    computed_at = excluded.computed_at
"""
# A chi bo whose members all left keeps no stale figure from an earlier refresh.
_STALE = """
DELETE FROM branchmonth WHERE month = :month AND computed_at < :now {scope}
"""
_TYPES = (bindparam("month", type_=Date), bindparam("now", type_=UTCDateTime))


def rate_of(relieved: int, members: int) -> float | None:
    """Reductions and exemptions per member on the roll, in percent; None with no member."""
    return 100 * relieved / members if members else None


def month_of(day: date) -> date:
    return day.replace(day=1)


async def refresh(session: AsyncSession, month: date, now: datetime,
                  branch_ids: Iterable[int] | None = None) -> None:
    """Count the month's figures again from the roll (every chi bo, or only `branch_ids`)."""
    params: dict[str, object] = {
        "month": month, "now": now, "day": now.date(), "reduced": MemberStatus.REDUCED.value,
        "exempted": MemberStatus.EXEMPTED.value, "left": MemberStatus.LEFT.value,
        "suspend": AwayArrangement.SUSPEND.value}
    binds = list(_TYPES)
    member_scope = stale_scope = ""
    if branch_ids is not None:
        params["ids"] = sorted(branch_ids) or [0]
        binds.append(bindparam("ids", expanding=True, type_=Integer))
        member_scope, stale_scope = "AND m.branch_id IN :ids", "AND branch_id IN :ids"
    upsert = _UPSERT.format(counts=_COUNTS.format(scope=member_scope))
    await session.exec(text(upsert).bindparams(*binds, bindparam("day", type_=Date)),  # type: ignore[call-overload]
                       params=params)
    await session.exec(text(_STALE.format(scope=stale_scope)).bindparams(*binds),  # type: ignore[call-overload]
                       params=params)


async def computed_at(session: AsyncSession, month: date) -> datetime | None:
    """When the month's figures were last counted, if ever."""
    query = select(func.max(BranchMonth.computed_at)).where(BranchMonth.month == month)
    return (await session.exec(query)).one()


class BranchFigures(NamedTuple):
    """One chi bo's figures in a month, with where it sits in the tree (a tuple: tens of
    thousands are built for the deployment-wide table)."""

    branch_id: int
    code: str
    name: str
    parent_id: int | None
    members: int
    reduced: int
    exempted: int
    away: int

    @property
    def relieved(self) -> int:
        """Reductions and exemptions together, as the province counts them."""
        return self.reduced + self.exempted

    @property
    def rate(self) -> float | None:
        return rate_of(self.relieved, self.members)


async def figures(session: AsyncSession, month: date,
                  branch_ids: Iterable[int] | None = None) -> list[BranchFigures]:
    """The month's rows, ordered by chi bo code (every chi bo, or only `branch_ids`)."""
    query = (select(BranchMonth.branch_id, Organisation.code, Organisation.name,
                    Organisation.parent_id, BranchMonth.members, BranchMonth.reduced,
                    BranchMonth.exempted, BranchMonth.away)
             .join(Organisation, col(Organisation.id) == BranchMonth.branch_id)
             .where(BranchMonth.month == month)
             .order_by(col(Organisation.code)))
    if branch_ids is not None:
        query = query.where(col(BranchMonth.branch_id).in_(sorted(branch_ids)))
    return [BranchFigures._make(row) for row in (await session.exec(query)).all()]


@dataclass(frozen=True)
class Totals:
    members: int
    relieved: int
    away: int

    @property
    def rate(self) -> float | None:
        return rate_of(self.relieved, self.members)


async def totals(session: AsyncSession, month: date) -> Totals:
    """The deployment's figures for the month (its average rate)."""
    query = select(func.coalesce(func.sum(BranchMonth.members), 0),
                   func.coalesce(func.sum(BranchMonth.reduced + BranchMonth.exempted), 0),
                   func.coalesce(func.sum(BranchMonth.away), 0)
                   ).where(BranchMonth.month == month)
    members, relieved, away = (await session.exec(query)).one()
    return Totals(int(members), int(relieved), int(away))


@dataclass(frozen=True)
class ParentFigures:
    """The figures of every chi bo directly under one organisation (a dang bo)."""

    org_id: int
    code: str
    name: str
    members: int
    relieved: int
    away: int

    @property
    def rate(self) -> float | None:
        return rate_of(self.relieved, self.members)


async def by_parent(session: AsyncSession, month: date,
                    parent_ids: Iterable[int] | None = None) -> list[ParentFigures]:
    """The month's figures summed per parent organisation (all of them, or `parent_ids`)."""
    parent = Organisation.__table__.alias("parent")  # type: ignore[attr-defined]
    query = (select(parent.c.id, parent.c.code, parent.c.name,
                    func.sum(BranchMonth.members),
                    func.sum(BranchMonth.reduced + BranchMonth.exempted),
                    func.sum(BranchMonth.away))
             .select_from(BranchMonth)
             .join(Organisation, col(Organisation.id) == BranchMonth.branch_id)
             .join(parent, parent.c.id == Organisation.parent_id)
             .where(BranchMonth.month == month)
             .group_by(parent.c.id, parent.c.code, parent.c.name)
             .order_by(parent.c.code))
    if parent_ids is not None:
        query = query.where(parent.c.id.in_(sorted(parent_ids)))
    return [ParentFigures(int(i), c, n, int(m), int(r), int(a))
            for i, c, n, m, r, a in (await session.exec(query)).all()]

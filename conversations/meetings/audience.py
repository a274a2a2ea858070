"""Who is expected at a meeting: the one place that decides it (reminders, rates, marking)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_, true, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AwayArrangement, Meeting, Member, MemberStatus, Organisation, OrgKind
from storage.repos import meetings as repo
from storage.repos.away import away_ids_on, hosted_on, reported_ids_on

# Members who owe attendance; exempted members who asked for reminders get them too, but
# are not counted in rates nor in Article 8's months.
EXPECTED_STATUSES = (MemberStatus.ACTIVE, MemberStatus.REDUCED)
# Away under these arrangements a member is not expected at home (01-HD/TW 10.3).
NOT_EXPECTED_AWAY = (AwayArrangement.SUSPEND, AwayArrangement.TRANSFER)
# A member who only informed the chi bo stays expected, but a meeting inside the period he/she
# reported is announced once instead of reminded, and counts as absent with this reason
# unless he/she says he/she will still come.
INFORMED_AWAY = (AwayArrangement.INFORM,)
AWAY_REASON = "away"


def reminded() -> ColumnElement[bool]:
    """Members who get a meeting's reminders: those who owe attendance, and exempted ones
    who opted in (member.meeting_reminders_opt_in)."""
    return or_(col(Member.status).in_(EXPECTED_STATUSES),
               and_(Member.status == MemberStatus.EXEMPTED,
                    col(Member.meeting_reminders_opt_in)))


def counted() -> ColumnElement[bool]:
    """Whether a reminded member counts in the attendance rate (an exempted one does not)."""
    return col(Member.status).in_(EXPECTED_STATUSES)


def expected(org_id: int, org_kind: OrgKind, on: date) -> Select[tuple[int]]:
    """The ids of the members expected at a meeting of this chi bo or to dang on `on`: its
    own, less those away on tam mien or transferred out, plus those transferred in."""
    where = Member.group_id if org_kind == OrgKind.GROUP else Member.branch_id
    own = select(col(Member.id).label("member_id")).where(where == org_id, reminded(),
                                                          _not_away(on))
    if org_kind == OrgKind.GROUP:
        return own
    guests = hosted_on(on).subquery()
    everyone = union_all(own, select(guests.c.member_id).where(
        guests.c.host_org_id == org_id)).subquery()
    return select(everyone.c.member_id)


def expected_pairs(meetings: Sequence[Meeting], on: date) -> Any:
    """(meeting_id, member_id, counted) for meetings that all fall on `on`: chi bo meetings
    by the members' chi bo, to dang meetings by their group (two index lookups, not an OR),
    and chi bo meetings by the members they host."""
    ids = [m.id or 0 for m in meetings]
    # Naming the chi bo too lets PostgreSQL look their members up by index, rather than
    # read every member of the province once per batch of meetings.
    org_ids = sorted({m.org_id for m in meetings})
    parts: list[Any] = []
    for column, group in ((Member.branch_id, False), (Member.group_id, True)):
        kind = Organisation.kind == OrgKind.GROUP if group else Organisation.kind != OrgKind.GROUP
        parts.append(
            select(col(Meeting.id).label("meeting_id"), col(Member.id).label("member_id"),
                   counted().label("counted"))
            .join(Organisation, Organisation.id == Meeting.org_id)
            .join(Member, column == Meeting.org_id)
            .where(col(Meeting.id).in_(ids), col(column).in_(org_ids), kind, reminded(),
                   _not_away(on)))
    guests = hosted_on(on).subquery()
    parts.append(select(col(Meeting.id).label("meeting_id"), guests.c.member_id,
                        literal(True).label("counted"))
                 .join(guests, guests.c.host_org_id == Meeting.org_id)
                 .where(col(Meeting.id).in_(ids), true()))
    return union_all(*parts).subquery("expected")


def _not_away(on: date) -> ColumnElement[bool]:
    """Not away on tam mien nor transferred out on `on` (set-based, for any audience size)."""
    return col(Member.id).not_in(away_ids_on(on, NOT_EXPECTED_AWAY))


def informed_away(on: date) -> Select[tuple[int]]:
    """The ids of members who reported being away on `on` (inform only)."""
    return reported_ids_on(on, INFORMED_AWAY)


async def excuse_informed_away(session: AsyncSession, meeting_ids: list[int], on: date) -> None:
    """Those away (inform only) who have not answered count as excused: away."""
    await repo.excuse(session, meeting_ids, informed_away(on), AWAY_REASON)

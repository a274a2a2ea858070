"""Who is expected at a meeting: the one place that decides it (reminders, rates, marking)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_, union_all
from sqlmodel import col, select

from storage.models import Meeting, Member, MemberStatus, Organisation, OrgKind

# Members who owe attendance; exempted members who asked for reminders get them too, but
# are not counted in rates nor in Article 8's months.
EXPECTED_STATUSES = (MemberStatus.ACTIVE, MemberStatus.REDUCED)


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
    """The ids of the members expected at a meeting of this chi bo or to dang on `on`."""
    where = Member.group_id if org_kind == OrgKind.GROUP else Member.branch_id
    query = select(col(Member.id)).where(where == org_id, reminded())
    return with_away_rules(query, literal(org_id), on)


def expected_pairs(meeting_ids: list[int], on: date) -> Any:
    """(meeting_id, member_id) for meetings that all fall on `on`: chi bo meetings by the
    members' chi bo, to dang meetings by their group (two index lookups, not an OR)."""
    parts = []
    for column, group in ((Member.branch_id, False), (Member.group_id, True)):
        kind = Organisation.kind == OrgKind.GROUP if group else Organisation.kind != OrgKind.GROUP
        query = (select(col(Meeting.id).label("meeting_id"), col(Member.id).label("member_id"),
                        counted().label("counted"))
                 .join(Organisation, Organisation.id == Meeting.org_id)
                 .join(Member, column == Meeting.org_id)
                 .where(col(Meeting.id).in_(meeting_ids), kind, reminded()))
        parts.append(with_away_rules(query, col(Meeting.org_id), on))
    return union_all(*parts).subquery("expected")


def with_away_rules(query: Select[Any], org_id: Any, on: date) -> Select[Any]:
    """Away rules, to be wired from storage/repos/away.py (set-based): leave out members on
    tam mien or transferred out on `on`; add those transferred in to the organisation whose
    id `org_id` holds (a column or a literal); members away "inform only" stay in."""
    return query

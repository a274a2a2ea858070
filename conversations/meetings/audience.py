"""Who is expected at a meeting: the one place that decides it (reminders, rates, marking)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select
from sqlmodel import col, select

from storage.models import Member, MemberStatus, OrgKind

# Members who owe attendance. Exempted members are left out for now: once the opt-in
# column (member.meeting_reminders_opt_in) exists, those who opted in get reminders but
# are still not counted in rates (see `counted`).
EXPECTED_STATUSES = (MemberStatus.ACTIVE, MemberStatus.REDUCED)


def expected(org_id: int, org_kind: OrgKind, on: date) -> Select[tuple[int]]:
    """The ids of the members expected at a meeting of this chi bo or to dang on `on`."""
    where = Member.group_id if org_kind == OrgKind.GROUP else Member.branch_id
    query = select(col(Member.id)).where(where == org_id,
                                         col(Member.status).in_(EXPECTED_STATUSES))
    return with_away_rules(query, org_id, on)


def with_away_rules(query: Select[tuple[int]], org_id: int, on: date) -> Select[tuple[int]]:
    """Away rules, to be wired from storage/repos/away.py: leave out members on tam mien or
    transferred out on `on`, add those transferred in to `org_id` (inform-only stay in)."""
    return query

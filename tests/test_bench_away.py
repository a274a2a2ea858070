"""The away bench's data: the province's away records, as the away queries read them."""

from __future__ import annotations

from bench.away import TODAY
from bench.province import seed_province
from storage.db import Database
from storage.models import AwayArrangement
from storage.repos import away


async def test_the_province_has_members_away_under_every_arrangement(db: Database) -> None:
    province = await seed_province(db, branches=60, per_branch=10)
    branches = list(range(province.first_branch_id, province.first_branch_id + 60))
    async with db.session() as session:
        found = await away.away_on(session, TODAY, branches)
        hosts = [a.host_org_id for a in found if a.host_org_id is not None]
        hosted = await away.hosted_by(session, TODAY, hosts)
        # Past MANY ids, one pass over the open records, kept by set: the same answer.
        many = [*branches[1:], *range(10**6, 10**6 + away.MANY)]
        found_many = await away.away_on(session, TODAY, many)
        hosted_many = await away.hosted_by(session, TODAY,
                                           [*hosts, *range(10**6, 10**6 + away.MANY)])
        counts_many = await away.counts_by_branch(session, many, TODAY)
    assert len(found) == 30
    assert {a.arrangement for a in found} == set(AwayArrangement)
    assert sorted(a.member_id for a in hosted) == sorted(
        a.member_id for a in found if a.host_org_id is not None)
    first_branch_away = sum(1 for a in found if a.branch_id == branches[0])
    assert len(found_many) == 30 - first_branch_away
    assert sorted(a.member_id for a in hosted_many) == sorted(a.member_id for a in hosted)
    assert sum(n for n, _overdue in counts_many.values()) == 30 - first_branch_away

"""Benchmark data: a merged province, written with set-based SQL on SQLite and PostgreSQL.

Run: python -m bench.province [--branches N] [--per-branch N] [--postgres URL | --sqlite PATH]

The shape the meetings, topics and reports benches share: one province; base committees of
`BRANCHES_PER_COMMITTEE` chi bo each (every `BASE_BRANCH_EVERY`-th chi bo is a chi bo co so
directly under the province); `per_branch` members in each chi bo, the first its secretary;
every member linked to one chat (one in `ZALO_EVERY` on Zalo, the rest on Telegram); a
share exempted or reduced with an approved exemption request, a share away with an away
record (inform, tam mien and temporary transfer in turn). Each statement
is one INSERT ... SELECT over a row counter, so generating 500,000 members takes seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import migrate
from storage.db import Database
from vocabulary.settings import Settings

PROVINCE_CODE = "BENCH-P"
BRANCHES_PER_COMMITTEE = 25
BASE_BRANCH_EVERY = 50  # 2% of chi bo are chi bo co so (no committee above but the province)
ZALO_EVERY = 5  # 20% of members write on Zalo
FIRST_USER = 9_000_000  # chat and user ids start here, apart from bench/members.py's
EXEMPTED_PER_20 = 3  # 15%: members 0..2 of every 20 have an approved relief
REDUCED_EVERY = 3  # of those, one in three is a reduction (giam) rather than an exemption
AWAY_PER_20 = 1  # 5%: member 3 of every 20 is away (an away record; member.status stays active)
OVERDUE_EVERY = 4  # of those away, one in four is past the expected return and not back
AWAY_ON = date(2026, 12, 15)  # every away record is open on this day (and through 2027-04)
CONSENTED = Settings.model_fields["consent_version"].default


@dataclass(frozen=True)
class Province:
    """Where the generated rows are: ids are contiguous, so benches can address them by range."""

    province_id: int
    first_committee_id: int
    committees: int
    first_branch_id: int
    branches: int
    first_member_id: int
    members: int
    per_branch: int

    def branch_of(self, member_id: int) -> int:
        return self.first_branch_id + (member_id - self.first_member_id) // self.per_branch


def _counter(conn: AsyncConnection, name: str, count: int) -> str:
    """Rows 0..count-1: generate_series on PostgreSQL, a recursive CTE on SQLite."""
    last = int(count) - 1
    if conn.dialect.name == "postgresql":
        return f"WITH {name}(i) AS (SELECT generate_series(0, {last})) "
    return (f"WITH RECURSIVE {name}(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM {name} "
            f"WHERE i < {last}) ")


async def _scalar(conn: AsyncConnection, sql: str, **params: object) -> int:
    return int((await conn.execute(text(sql), params)).scalar_one())


async def _orgs(conn: AsyncConnection, branches: int) -> tuple[int, int, int, int]:
    committees = -(-branches // BRANCHES_PER_COMMITTEE)
    await conn.execute(text("INSERT INTO organisation (code, name, kind, parent_id) "
                            "VALUES (:c, 'Bench province', 'province', NULL)"),
                       {"c": PROVINCE_CODE})
    province = await _scalar(conn, "SELECT id FROM organisation WHERE code = :c", c=PROVINCE_CODE)
    await conn.execute(text(
        _counter(conn, "n", committees) + "INSERT INTO organisation (code, name, kind, parent_id) "
        "SELECT 'BENCH-D' || n.i, 'Dang bo ' || n.i, 'base_committee', :p FROM n ORDER BY n.i"),
        {"p": province})
    first_committee = await _scalar(
        conn, "SELECT min(id) FROM organisation WHERE parent_id = :p", p=province)
    await conn.execute(text(
        _counter(conn, "n", branches) + "INSERT INTO organisation (code, name, kind, parent_id) "
        "SELECT 'BENCH-C' || n.i, 'Chi bo ' || n.i, "
        f"CASE WHEN n.i % {BASE_BRANCH_EVERY} = 0 THEN 'base_branch' ELSE 'branch' END, "
        f"CASE WHEN n.i % {BASE_BRANCH_EVERY} = 0 THEN :p "
        f"ELSE :d + n.i / {BRANCHES_PER_COMMITTEE} END FROM n ORDER BY n.i"),
        {"p": province, "d": first_committee})
    first_branch = await _scalar(
        conn, "SELECT min(id) FROM organisation WHERE code LIKE 'BENCH-C%'")
    return province, first_committee, committees, first_branch


async def _members(conn: AsyncConnection, branches: int, per_branch: int, first_branch: int,
                   at: datetime) -> int:
    status = (f"CASE WHEN n.i % 20 < {EXEMPTED_PER_20} AND n.i % {REDUCED_EVERY} = 0 "
              "THEN 'reduced' "
              f"WHEN n.i % 20 < {EXEMPTED_PER_20} THEN 'exempted' ELSE 'active' END")
    await conn.execute(text(
        _counter(conn, "n", branches * per_branch)
        + "INSERT INTO member (roster_id, full_name, branch_id, official_on, is_retired_cadre, "
        "status, language, created_at, updated_at) "
        f"SELECT 'BM' || n.i, 'Member ' || n.i, :b + n.i / {per_branch}, :official, "
        f"{_false(conn)}, {status}, 'vi', :at, :at FROM n ORDER BY n.i"),
        {"b": first_branch, "official": date(2000, 1, 1), "at": at})
    return await _scalar(conn, "SELECT min(id) FROM member WHERE roster_id LIKE 'BM%'")


def _false(conn: AsyncConnection) -> str:
    return "false" if conn.dialect.name == "postgresql" else "0"


async def _links(conn: AsyncConnection, first_member: int, members: int, at: datetime) -> None:
    await conn.execute(text(
        _counter(conn, "n", members)
        + "INSERT INTO chataccount (channel, user_id, chat_id, bot, member_id, linked_at, "
        "last_seen_at, consent_version) "
        f"SELECT CASE WHEN n.i % {ZALO_EVERY} = 0 THEN 'zalo' ELSE 'telegram' END, "
        f"CAST({FIRST_USER} + n.i AS VARCHAR(64)), CAST({FIRST_USER} + n.i AS VARCHAR(64)), '', "
        ":m + n.i, :at, :at, :consent FROM n ORDER BY n.i"),
        {"m": first_member, "at": at, "consent": CONSENTED})


async def _secretaries(conn: AsyncConnection, branches: int, per_branch: int, first_branch: int,
                       first_member: int, at: datetime) -> None:
    await conn.execute(text(
        _counter(conn, "n", branches)
        + "INSERT INTO officer (org_id, member_id, role, started_at) "
        f"SELECT :b + n.i, :m + n.i * {per_branch}, 'secretary', :at FROM n ORDER BY n.i"),
        {"b": first_branch, "m": first_member, "at": at})


async def _reliefs(conn: AsyncConnection, first_member: int, at: datetime) -> None:
    """An approved, open-ended health request behind every reduced or exempted member."""
    await conn.execute(text(
        "INSERT INTO request (type, member_id, branch_id, kind, reason, starts_on, detail, "
        "status, stage_since, revision, attachment_at_meeting, created_at, closed_at) "
        "SELECT 'exemption', m.id, m.branch_id, "
        "CASE WHEN m.status = 'reduced' THEN 'reduction' ELSE 'exemption' END, 'health', "
        ":since, '{}', 'approved', :at, 2, " + _false(conn) + ", :at, :at "
        "FROM member m WHERE m.id >= :m AND m.status IN ('reduced', 'exempted') ORDER BY m.id"),
        {"m": first_member, "since": date(2026, 1, 15), "at": at})


async def _away(conn: AsyncConnection, first_member: int, first_branch: int, branches: int,
                at: datetime) -> None:
    """An away record for member 3 of every 20: its arrangement by turn, a transfer hosted by
    the next chi bo (none for the last), one in `OVERDUE_EVERY` past its end and not back."""
    away = (f"(m.id - :m) % 20 >= {EXEMPTED_PER_20} "
            f"AND (m.id - :m) % 20 < {EXEMPTED_PER_20 + AWAY_PER_20}")
    arrangement = ("CASE WHEN m.id % 3 = 0 THEN 'inform' WHEN m.id % 3 = 1 THEN 'suspend' "
                   "ELSE 'transfer' END")
    host = f"CASE WHEN m.id % 3 = 2 AND m.branch_id < :b + {branches - 1} THEN m.branch_id + 1 END"
    day = "CAST(:{} AS DATE)" if conn.dialect.name == "postgresql" else ":{}"
    ends = (f"CASE WHEN m.id % {OVERDUE_EVERY} = 0 THEN {day.format('overdue')} "
            f"ELSE {day.format('later')} END")
    await conn.execute(text(
        "INSERT INTO awayrecord (member_id, branch_id, arrangement, place, reason, starts_on, "
        "ends_on, host_org_id, comment_at_meeting, last_contact_at, created_at) "
        f"SELECT m.id, m.branch_id, {arrangement}, 'Binh Duong', 'work', :since, {ends}, "
        f"{host}, {_false(conn)}, :at, :at FROM member m WHERE m.id >= :m AND {away} "
        "ORDER BY m.id"),
        {"m": first_member, "b": first_branch, "since": AWAY_ON - timedelta(days=90),
         "overdue": AWAY_ON - timedelta(days=10), "later": AWAY_ON + timedelta(days=120),
         "at": at})


async def existing(db: Database) -> Province | None:
    """The province generated before in this database, if any (generation is slow to repeat)."""
    async with db.connection() as conn:
        found = (await conn.execute(text(
            "SELECT id FROM organisation WHERE code = :c"), {"c": PROVINCE_CODE})).first()
        if found is None:
            return None
        row = (await conn.execute(text(
            "SELECT min(id), count(*) FROM organisation WHERE code LIKE 'BENCH-D%'"))).one()
        branches = (await conn.execute(text(
            "SELECT min(id), count(*) FROM organisation WHERE code LIKE 'BENCH-C%'"))).one()
        members = (await conn.execute(text(
            "SELECT min(id), count(*) FROM member WHERE roster_id LIKE 'BM%'"))).one()
    return Province(province_id=found[0], first_committee_id=row[0], committees=row[1],
                    first_branch_id=branches[0], branches=branches[1],
                    first_member_id=members[0], members=members[1],
                    per_branch=members[1] // max(branches[1], 1))


async def seed_province(db: Database, *, branches: int = 50_000,
                        per_branch: int = 10) -> Province:
    """Migrate and generate the province, or return the one already there with that shape."""
    await migrate.upgrade(db)
    found = await existing(db)
    if found is not None and (found.branches, found.per_branch) == (branches, per_branch):
        return found
    if found is not None:
        raise SystemExit("this database holds a bench province of another size: use a fresh one")
    at = datetime.now(UTC)
    async with db.connection() as conn:
        province, first_committee, committees, first_branch = await _orgs(conn, branches)
        first_member = await _members(conn, branches, per_branch, first_branch, at)
        members = branches * per_branch
        await _links(conn, first_member, members, at)
        await _secretaries(conn, branches, per_branch, first_branch, first_member, at)
        await _reliefs(conn, first_member, at)
        await _away(conn, first_member, first_branch, branches, at)
    return Province(province_id=province, first_committee_id=first_committee,
                    committees=committees, first_branch_id=first_branch, branches=branches,
                    first_member_id=first_member, members=members, per_branch=per_branch)


async def _main(url: str, branches: int, per_branch: int) -> None:
    db = Database(url)
    started = time.perf_counter()
    try:
        province = await seed_province(db, branches=branches, per_branch=per_branch)
    finally:
        await db.dispose()
    print(f"{province.members:,} members in {province.branches:,} chi bo under "
          f"{province.committees:,} committees: {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=50_000)
    parser.add_argument("--per-branch", type=int, default=10)
    parser.add_argument("--postgres", help="postgresql+asyncpg://... (a database of its own)")
    parser.add_argument("--sqlite", default="bench-province.sqlite3")
    args = parser.parse_args()
    url = args.postgres or f"sqlite+aiosqlite:///{args.sqlite}"
    asyncio.run(_main(url, args.branches, args.per_branch))


if __name__ == "__main__":
    main()

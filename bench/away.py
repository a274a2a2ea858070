"""Bench: who is away, on a merged province (bench/province.py), the way other parts ask.

Run: python -m bench.away [--branches N] [--per-branch N] [--postgres URL | --sqlite PATH]

The province generator gives 5% of members an away record (inform, tam mien and temporary
transfer in turn; a transfer is hosted by the next chi bo; one in four overdue). Each query
of storage/repos/away.py is timed as its callers use it: one chi bo (a meeting's audience),
a base committee's chi bo (its list and counts), the whole province (a report), and the
monthly dues reminder's pass over everyone away. Figures are printed only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from bench.province import AWAY_ON, BRANCHES_PER_COMMITTEE, seed_province
from storage.db import Database
from storage.repos import away

TODAY = AWAY_ON
ROUNDS = 20


async def _records(db: Database) -> int:
    async with db.connection() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM awayrecord"))).scalar_one())


async def _timed(db: Database, label: str, call: Callable[..., Awaitable[object]],
                 rounds: int = ROUNDS) -> None:
    times, size = [], 0
    for _ in range(rounds):
        async with db.session() as session:
            started = time.perf_counter()
            found = await call(session)
            times.append((time.perf_counter() - started) * 1000)
        size = len(found) if hasattr(found, "__len__") else 0  # type: ignore[arg-type]
    print(f"{label:<52} {statistics.median(times):8.2f} ms median, "
          f"{max(times):8.2f} ms max  ({size:,} rows)")


async def _sample(db: Database) -> tuple[list[int], list[int]]:
    """A chi bo with members away, and one hosting a member (not every chi bo has either)."""
    async with db.connection() as conn:
        home = (await conn.execute(text("SELECT max(branch_id) FROM awayrecord"))).scalar_one()
        host = (await conn.execute(text("SELECT max(host_org_id) FROM awayrecord"))).scalar_one()
    return [int(home)], [int(host)]


async def _dues_pass(session: object) -> list[int]:
    """The monthly dues reminder's pages over everyone away (what it reads, not the sending)."""
    after, seen = 0, []
    while page := await away.still_away(session, TODAY, 1000, after):  # type: ignore[arg-type]
        seen.extend(member_id for _id, member_id in page)
        after = page[-1][0]
    return seen


async def run(url: str, branches: int, per_branch: int) -> None:
    db = Database(url)
    try:
        started = time.perf_counter()
        province = await seed_province(db, branches=branches, per_branch=per_branch)
        records = await _records(db)
        print(f"{province.members:,} members, {province.branches:,} chi bo, {records:,} away: "
              f"ready in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
        one, host = await _sample(db)
        committee = list(range(province.first_branch_id + 1,
                               province.first_branch_id + BRANCHES_PER_COMMITTEE))
        everyone = list(range(province.first_branch_id,
                              province.first_branch_id + province.branches))
        await _timed(db, "away_on: one chi bo (a meeting's audience)",
                     lambda s: away.away_on(s, TODAY, one))
        await _timed(db, "hosted_by: one chi bo",
                     lambda s: away.hosted_by(s, TODAY, host))
        await _timed(db, f"away_on: a committee's {len(committee)} chi bo",
                     lambda s: away.away_on(s, TODAY, committee))
        await _timed(db, "listing: one chi bo, overdue first",
                     lambda s: away.listing(s, one, TODAY))
        await _timed(db, f"counts_by_branch: a committee's {len(committee)} chi bo",
                     lambda s: away.counts_by_branch(s, committee, TODAY))
        await _timed(db, f"away_on: the province's {len(everyone):,} chi bo",
                     lambda s: away.away_on(s, TODAY, everyone), rounds=3)
        await _timed(db, f"counts_by_branch: the province's {len(everyone):,} chi bo",
                     lambda s: away.counts_by_branch(s, everyone, TODAY), rounds=3)
        await _timed(db, "dues reminder: every member away, in pages of 1,000", _dues_pass,
                     rounds=3)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=50_000)
    parser.add_argument("--per-branch", type=int, default=10)
    parser.add_argument("--postgres", help="postgresql+asyncpg://... (a database of its own)")
    parser.add_argument("--sqlite", default="bench-province.sqlite3")
    args = parser.parse_args()
    url = args.postgres or f"sqlite+aiosqlite:///{args.sqlite}"
    asyncio.run(run(url, args.branches, args.per_branch))


if __name__ == "__main__":
    main()

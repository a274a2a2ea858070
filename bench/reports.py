"""Benchmark: the desk's deployment-wide table on the benches' province.

Run: python -m bench.reports [--branches N] [--per-branch N] [--runs N]
                             [--postgres URL | --sqlite PATH]

On the province of bench/province.py (by default 500,000 members in 50,000 chi bo) it times:
counting the month's summaries from the roll (set-based, once per CHIBOT_DESK_SUMMARY_MAX_AGE_
MINUTES); then, with a warm cache, the deployment-wide table (`chibot report rates`): reading
the summaries per chi bo and per dang bo with the average, and writing the XLSX workbook;
the rate chart of one committee; and one chi bo's lists and rates as an officer sees them.
Target: the deployment-wide table under 5 s on PostgreSQL with a warm cache.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bench.province import Province, seed_province
from conversations.catalogue import default_registry
from conversations.desk import charts, exports, workbook
from conversations.desk.rates import rate_table
from conversations.desk.scope import Scope
from conversations.officers import subtree_ids
from storage.db import Database
from storage.repos import summaries
from vocabulary.messages import Renderer
from vocabulary.settings import Settings

TARGET_SECONDS = 5.0


async def _timed(work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


async def _series(label: str, runs: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    await work()  # warms the database's cache and the code's imports
    found = [await _timed(work) for _ in range(runs)]
    print(f"{label}: median {statistics.median(found):.2f} s, "
          f"runs {', '.join(f'{s:.2f}' for s in found)}")
    return found


async def bench(db: Database, province: Province, runs: int) -> None:
    settings = Settings(_env_file=None)
    render = Renderer("vi", settings.tz)
    now = datetime.now(UTC)
    month = summaries.month_of(now.astimezone(settings.tz).date())
    default_registry()

    async def refresh() -> None:
        async with db.session() as session:
            await summaries.refresh(session, month, now)

    print(f"summaries counted from {province.members:,} members: "
          f"{await _timed(refresh):.2f} s (first), {await _timed(refresh):.2f} s (again)")

    async def deployment_table() -> None:
        async with db.session() as session:
            table = await rate_table(session, settings, now, None)
        assert len(table.branches) >= province.branches

    found = await _series(f"deployment-wide table ({province.branches:,} chi bo, per chi bo "
                          "and dang bo, with the average)", runs, deployment_table)
    print(f"  target {TARGET_SECONDS:.0f} s: "
          f"{'met' if max(found) < TARGET_SECONDS else 'MISSED'}")

    async with db.session() as session:
        table = await rate_table(session, settings, now, None)

    async def deployment_workbook() -> None:
        assert workbook.build(exports.rate_sheets(table, render), render)

    await _series("  its XLSX workbook written (openpyxl)", 1, deployment_workbook)

    async def committee_chart() -> None:
        async with db.session() as session:
            below = await subtree_ids(session, province.first_committee_id + 1)
            ids = [i for i in below if i != province.first_committee_id + 1]
            table = await rate_table(session, settings, now, ids)
        charts.draw_bars(exports.rate_bars(table, render, "vi", settings.desk_chart_bars))

    await _series("one committee's rate chart (PNG)", runs, committee_chart)

    async def officer_desk() -> None:
        branch = province.first_branch_id + 7
        scope = Scope((branch,), now.astimezone(settings.tz).date(), settings)
        async with db.session() as session:
            table = await rate_table(session, settings, now, [branch])
            sheets = [*await exports.list_sheets(session, scope, render),
                      *exports.rate_sheets(table, render)]
        workbook.build(sheets, render)

    await _series("one chi bo's lists and rates (XLSX)", runs, officer_desk)


async def _main(url: str, branches: int, per_branch: int, runs: int) -> None:
    db = Database(url)
    try:
        started = time.perf_counter()
        province = await seed_province(db, branches=branches, per_branch=per_branch)
        print(f"province ready ({province.members:,} members, {province.branches:,} chi bo): "
              f"{time.perf_counter() - started:.1f} s")
        await bench(db, province, runs)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=50_000)
    parser.add_argument("--per-branch", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="postgresql+asyncpg://... (a database of its own)")
    parser.add_argument("--sqlite", default="bench-province.sqlite3")
    args = parser.parse_args()
    url = args.postgres or f"sqlite+aiosqlite:///{args.sqlite}"
    asyncio.run(_main(url, args.branches, args.per_branch, args.runs))


if __name__ == "__main__":
    main()

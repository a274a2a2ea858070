"""Benchmark: the monthly topics round for a merged province, computed and queued.

Run: python -m bench.topics [--postgres URL | --sqlite PATH] [--branches N] [--per-branch N]

Generates (or reuses) bench/province.py's province, empties the outbox and earlier topic
rounds, then times `send_month` (every chi bo's next items, its rotation, a bulk message
per member through the outbox, in one transaction) and prints the wall time, the rows queued
and the process's peak memory (targets: 60 s and 1 GB for 500,000 members).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.measure import peak_mb
from bench.province import seed_province
from conversations.topics import rounds
from storage.db import Database
from vocabulary.settings import Settings

SEND_AT = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)


async def _clear(db: Database) -> None:
    """Earlier rounds and their messages go (the bench's own database: the whole outbox)."""
    tables = ("outboxmessage", "topicread", "topicreflection", "topicround", "topicmessage",
              "topicrotation", "timer")
    async with db.connection() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
            return
        for table in tables:
            await conn.execute(text(f"DELETE FROM {table}"))  # unfiltered: emptied at once


async def _main(url: str, branches: int, per_branch: int, months: int) -> None:
    db = Database(url)
    settings = Settings(_env_file=None, database_url=url)
    try:
        started = time.perf_counter()
        province = await seed_province(db, branches=branches, per_branch=per_branch)
        print(f"{db.engine.dialect.name}: {province.members:,} members in "
              f"{province.branches:,} chi bo ready in {time.perf_counter() - started:.1f} s; "
              f"peak {peak_mb():.0f} MB")
        await _clear(db)
        month = "2027-01"
        for _ in range(months):
            before = time.perf_counter()
            async with db.session() as session:
                report = await rounds.send_month(session, settings, month, SEND_AT)
            print(f"round {month}: {report.branches:,} chi bo, {report.recipients:,} messages "
                  f"queued in {time.perf_counter() - before:.1f} s; "
                  f"peak {peak_mb():.0f} MB")
            month = f"2027-{int(month[-2:]) + 1:02d}"
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=50_000)
    parser.add_argument("--per-branch", type=int, default=10)
    parser.add_argument("--months", type=int, default=2, help="consecutive rounds to time")
    parser.add_argument("--postgres", help="postgresql+asyncpg://... (a database of its own)")
    parser.add_argument("--sqlite", default="bench-province.sqlite3")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    url = args.postgres or f"sqlite+aiosqlite:///{args.sqlite}"
    asyncio.run(_main(url, args.branches, args.per_branch, args.months))


if __name__ == "__main__":
    main()

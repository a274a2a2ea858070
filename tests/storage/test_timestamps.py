"""Instants survive a round trip unchanged, in UTC, and the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import func, select

from storage.db import Database
from storage.models import AuditEntry, Timer

HO_CHI_MINH = ZoneInfo("Asia/Ho_Chi_Minh")
NEWFOUNDLAND = timezone(timedelta(hours=-3, minutes=-30))
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
CREATED = datetime(2026, 1, 1, tzinfo=UTC)

# (written instant, the UTC isoformat every backend must give back)
INSTANTS = {
    "utc": (datetime(2026, 3, 1, 12, 34, 56, 123456, tzinfo=UTC),
            "2026-03-01T12:34:56.123456+00:00"),
    "ho_chi_minh_previous_utc_day": (datetime(2026, 11, 21, 6, 5, 9, 654321, tzinfo=HO_CHI_MINH),
                                     "2026-11-20T23:05:09.654321+00:00"),
    "negative_half_hour_next_utc_year": (
        datetime(2026, 12, 31, 22, 45, 0, 1, tzinfo=NEWFOUNDLAND),
        "2027-01-01T02:15:00.000001+00:00"),
    "los_angeles_summer_time": (datetime(2026, 7, 4, 17, 0, 0, 999999, tzinfo=LOS_ANGELES),
                                "2026-07-05T00:00:00.999999+00:00"),
}


def _timer(key: str, due_at: datetime) -> Timer:
    return Timer(kind="test", key=key, due_at=due_at, created_at=CREATED)


@pytest.mark.parametrize(("written", "expected"), INSTANTS.values(), ids=INSTANTS.keys())
async def test_instant_reads_back_as_the_same_utc_instant(
    db: Database, written: datetime, expected: str
) -> None:
    """A timer's due time and an audit time come back equal, in UTC, to the microsecond."""
    async with db.session() as session:
        timer = _timer("round-trip", written)
        entry = AuditEntry(at=written, actor="test", action="test", subject_type="timer",
                           subject_id="round-trip")
        session.add_all([timer, entry])
        await session.flush()
        timer_id, entry_id = timer.id, entry.id

    async with db.session() as session:
        loaded_timer = await session.get(Timer, timer_id)
        loaded_entry = await session.get(AuditEntry, entry_id)
    assert loaded_timer is not None
    assert loaded_entry is not None
    for got in (loaded_timer.due_at, loaded_entry.at):
        assert got == written
        assert got.tzinfo is UTC
        assert got.isoformat() == expected
    assert loaded_timer.fired_at is None
    assert loaded_timer.created_at.isoformat() == "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(("cutoff", "expected_due"), [
    # 00:00 UTC on 21 Nov. The Ho Chi Minh timer reads 06:05 on the 21st on its own clock,
    # later than the cutoff's 20:30 on the 20th, but it is 23:05 UTC on the 20th: due.
    (datetime(2026, 11, 20, 20, 30, tzinfo=NEWFOUNDLAND),
     ["utc", "los_angeles_summer_time", "ho_chi_minh_previous_utc_day"]),
    # 23:30 UTC on 4 Jul. The Los Angeles timer reads 17:00 on the 4th on its own clock,
    # earlier than the cutoff's 06:30 on the 5th, but it is 00:00 UTC on the 5th: not due.
    (datetime(2026, 7, 5, 6, 30, tzinfo=HO_CHI_MINH), ["utc"]),
], ids=["earlier-instant-later-local-clock", "later-instant-earlier-local-clock"])
async def test_due_query_compares_instants_not_local_clocks(
    db: Database, cutoff: datetime, expected_due: list[str]
) -> None:
    """A due-time query with a cutoff in another zone picks and orders timers by instant."""
    async with db.session() as session:
        session.add_all(_timer(name, written) for name, (written, _) in INSTANTS.items())

    async with db.session() as session:
        due = (await session.exec(
            select(Timer).where(Timer.due_at < cutoff).order_by(Timer.due_at)
        )).all()
        latest_first = (await session.exec(select(Timer).order_by(Timer.due_at.desc()))).all()

    assert [t.key for t in due] == expected_due
    assert [t.key for t in latest_first] == [
        "negative_half_hour_next_utc_year", "ho_chi_minh_previous_utc_day",
        "los_angeles_summer_time", "utc"]


async def test_naive_datetime_is_refused_and_nothing_is_written(db: Database) -> None:
    """A datetime without a timezone is ambiguous: the write fails instead of guessing."""
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(StatementError, match="naive datetime") as raised:
        async with db.session() as session:
            session.add(_timer("naive", naive))
    assert isinstance(raised.value.orig, ValueError)

    async with db.session() as session:
        count = (await session.exec(select(func.count()).select_from(Timer))).one()
    assert count == 0


async def test_naive_datetime_is_refused_in_a_query(db: Database) -> None:
    """Comparing against a naive cutoff fails rather than silently using some zone."""
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.session() as session:
            await session.exec(select(Timer).where(Timer.due_at < datetime(2026, 3, 1)))

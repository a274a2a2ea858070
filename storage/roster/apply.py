"""Importing a roster file: check everything, then write it all in one transaction or nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import AwayArrangement, AwayRecord, Member, MemberStatus, Organisation
from storage.repos import audit, away
from storage.roster.reader import read_roster
from storage.roster.reliefs import Clock, bring_in
from storage.roster.report import ImportReport, MissingMember
from storage.roster.validate import PROGRESS_EVERY, MemberRecord, OrgIndex, Progress, validate

log = logging.getLogger(__name__)

ACTOR = "cli"
# Keeps IN (...) lists well under every driver's parameter limit.
CHUNK = 500


EMPTY_WITH_MARK_LEFT = ("the file lists no member: --mark-missing-left would mark every member "
                        "as left; add --force if that is what you mean")


async def import_roster(
    db: Database,
    path: Path,
    *,
    now: datetime,
    today: date,
    mark_missing_left: bool = False,
    force: bool = False,
    dry_run: bool = False,
    region: str = "VN",
    tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh"),
    review_months: int = 12,
    dues_day: int = 5,
    progress: Progress | None = None,
) -> ImportReport:
    """Create and update members from a roster file; any row error means nothing is written.

    Members are matched by roster id, so linked chat accounts stay linked. Members not in the
    file are reported, and marked LEFT only when `mark_missing_left` is set (with an empty
    file, only when `force` is set too: it would mark every member as left).
    """
    sheet = read_roster(path)
    report = ImportReport(rows=len(sheet.rows), errors=list(sheet.errors),
                          warnings=list(sheet.warnings), dry_run=dry_run)
    if mark_missing_left and not sheet.rows and not force:
        report.errors.append(EMPTY_WITH_MARK_LEFT)
    if report.errors:
        return report
    async with db.session() as session:
        orgs = OrgIndex((await session.exec(select(Organisation))).all())
        records, report.errors = validate(sheet, orgs, today=today, region=region,
                                          progress=progress)
        if report.errors:
            return report
        await _apply(session, records, report, now=now, progress=progress)
        await _reliefs(session, records, report, Clock(now, today, tz, review_months))
        if not dry_run:
            report.away = await _away(session, records, now=now, tz=tz, dues_day=dues_day)
        report.missing = await _missing(session, {r.roster_id for r in records})
        if mark_missing_left and not dry_run:
            report.marked_left = await _mark_left(session, report.missing, now)
        if not dry_run:
            audit.record(session, at=now, actor=ACTOR, action="roster.import",
                         subject=("roster", path.name[:64]), **report.counts())
    log.info("roster import%s: %s", " (dry run)" if dry_run else "", report.counts())
    return report


async def _apply(session: AsyncSession, records: list[MemberRecord], report: ImportReport, *,
                 now: datetime, progress: Progress | None) -> None:
    """Insert new members and update changed ones (only when not a dry run)."""
    existing = await _existing(session, [r.roster_id for r in records])
    for done, record in enumerate(records, start=1):
        member = existing.get(record.roster_id)
        if member is None:
            report.created += 1
            if not report.dry_run:
                session.add(_new_member(record, now))
        elif changes := _changes(member, record):
            report.updated += 1
            report.changed_fields[record.roster_id] = tuple(sorted(changes))
            if not report.dry_run:
                _update(session, member, changes, now)
        else:
            report.unchanged += 1
        if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
            progress("writing", done, len(records))
    await session.flush()


async def _reliefs(session: AsyncSession, records: list[MemberRecord], report: ImportReport,
                   clock: Clock) -> None:
    """Reliefs the file records for members who have none in force yet."""
    with_relief = [r for r in records if r.relief is not None]
    if not with_relief or report.dry_run:
        report.reliefs = len(with_relief) if report.dry_run else 0
        return
    found = await _existing(session, [r.roster_id for r in with_relief])
    for record in with_relief:
        member = found.get(record.roster_id)
        if member is not None and record.relief is not None and \
                await bring_in(session, member, record.relief, clock):
            report.reliefs += 1


async def _away(session: AsyncSession, records: list[MemberRecord], *, now: datetime,
                tz: tzinfo, dues_day: int) -> int:
    """Open an away record for each member listed as away who has none open yet."""
    listed = [r for r in records if r.away is not None]
    members = await _existing(session, [r.roster_id for r in listed])
    opened = 0
    for record in listed:
        member, data = members.get(record.roster_id), record.away or {}
        if member is None or await away.current(session, member.id or 0) is not None:
            continue
        row = AwayRecord(member_id=member.id or 0, branch_id=member.branch_id,
                         arrangement=AwayArrangement(data["arrangement"]), place=data["place"],
                         reason="imported", starts_on=data["since"], ends_on=data["until"],
                         last_contact_at=now, created_at=now)
        session.add(row)
        await session.flush()
        await away.schedule_overdue(session, row, tz, now)
        opened += 1
    if opened:
        await away.schedule_dues(session, now.astimezone(tz).date(), dues_day, tz, now)
    return opened


def _new_member(record: MemberRecord, now: datetime) -> Member:
    return Member(**record.values, status=MemberStatus.ACTIVE, created_at=now, updated_at=now)


def _changes(member: Member, record: MemberRecord) -> dict[str, Any]:
    """The attributes the file changes; a member listed again after leaving is active again."""
    changes = {name: value for name, value in record.values.items()
               if getattr(member, name) != value}
    if "branch_id" in changes and "group_id" not in record.values and member.group_id:
        changes["group_id"] = None  # the old group belongs to the old branch
    if member.status == MemberStatus.LEFT:
        changes["status"] = MemberStatus.ACTIVE
    return changes


def _update(session: AsyncSession, member: Member, changes: dict[str, Any],
            now: datetime) -> None:
    for name, value in changes.items():
        setattr(member, name, value)
    member.updated_at = now
    session.add(member)


async def _existing(session: AsyncSession, roster_ids: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for chunk in _chunks(roster_ids):
        query = select(Member).where(col(Member.roster_id).in_(chunk))
        found |= {m.roster_id: m for m in (await session.exec(query)).all()}
    return found


async def _missing(session: AsyncSession, listed: set[str]) -> list[MissingMember]:
    """Current members the file does not list, by roster id."""
    query = (select(Member.roster_id, Member.full_name)
             .where(Member.status != MemberStatus.LEFT).order_by(col(Member.roster_id)))
    rows = (await session.exec(query)).all()
    return [MissingMember(roster_id, name) for roster_id, name in rows if roster_id not in listed]


async def _mark_left(session: AsyncSession, missing: list[MissingMember], now: datetime) -> int:
    marked = 0
    for chunk in _chunks([m.roster_id for m in missing]):
        result = await session.exec(
            update(Member).where(col(Member.roster_id).in_(chunk))
            .values(status=MemberStatus.LEFT, updated_at=now))
        marked += result.rowcount
    return marked


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch

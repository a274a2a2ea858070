"""The lists the desk shows from what exists now: reductions and exemptions, members not yet
linked, members Chibot cannot reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk.scope import Scope
from conversations.desk.sections import Row, Section
from conversations.exemption.effects import REVIEW
from conversations.exemption.kind import NAME as EXEMPTION
from storage.models import ChatAccount, Member, MemberStatus, ReliefKind, Request, Timer
from storage.phones import display_phone
from storage.repos.requests import IN_FORCE
from vocabulary.messages import Msg

RELIEVED = (MemberStatus.REDUCED, MemberStatus.EXEMPTED)
RELIEF_KINDS = (ReliefKind.REDUCTION.value, ReliefKind.EXEMPTION.value)


async def scope_members(session: AsyncSession, scope: Scope, *where: object) -> list[Member]:
    query = (select(Member).where(col(Member.branch_id).in_(scope.branch_ids),
                                  Member.status != MemberStatus.LEFT, *where)
             .order_by(col(Member.full_name), col(Member.id)))
    return list((await session.exec(query)).all())


@dataclass(frozen=True)
class Relief:
    """A member's reduction or exemption in force: kind, period and next review."""

    member: Member
    request: Request | None
    next_review: date | None
    since: date | None = None  # the period's start, or the day it was decided if it had none

    @property
    def open_ended(self) -> bool:
        return self.request is not None and self.request.ends_on is None


async def reliefs(session: AsyncSession, scope: Scope) -> list[Relief]:
    """Members on reduction or exemption now, with the approved request that put them there."""
    members = await scope_members(session, scope, col(Member.status).in_(RELIEVED))
    ids = [m.id for m in members]
    query = (select(Request).where(col(Request.member_id).in_(ids), Request.type == EXEMPTION,
                                   col(Request.status).in_(IN_FORCE),
                                   col(Request.kind).in_(RELIEF_KINDS))
             .order_by(col(Request.id)))
    latest = {r.member_id: r for r in (await session.exec(query)).all()}  # the last one wins
    reviews = await _next_reviews(session, [r.id or 0 for r in latest.values()], scope)
    found = []
    for member in members:
        request = latest.get(member.id or 0)
        decided = request.closed_at.astimezone(scope.settings.tz).date() \
            if request is not None and request.closed_at is not None else None
        found.append(Relief(member, request, reviews.get(request.id or 0) if request else None,
                            (request.starts_on or decided) if request else None))
    return found


async def _next_reviews(session: AsyncSession, request_ids: list[int],
                        scope: Scope) -> dict[int, date]:
    """The yearly review still to come of each request (a timer row per review)."""
    if not request_ids:
        return {}
    query = select(Timer).where(Timer.kind == REVIEW, col(Timer.fired_at).is_(None),
                                or_(*[col(Timer.key).startswith(f"{REVIEW}:{i}:")
                                      for i in request_ids]))
    found: dict[int, date] = {}
    for timer in (await session.exec(query)).all():
        day = timer.due_at.astimezone(scope.settings.tz).date()
        request_id = int(timer.payload["request_id"])
        found[request_id] = min(day, found.get(request_id, day))
    return found


def kind_label(item: Relief) -> Msg:
    """Short: the kind in force by the member's status (a request may be missing in old data)."""
    return Msg("desk.kind.reduction") if item.member.status == MemberStatus.REDUCED \
        else Msg("desk.kind.exemption")


async def _relief_rows(session: AsyncSession, scope: Scope) -> list[Row]:
    rows: list[Row] = []
    for item in await reliefs(session, scope):
        request = item.request
        rows.append((item.member.full_name, kind_label(item),
                     item.since,
                     (request.ends_on or Msg("desk.cell.open_ended")) if request else None,
                     item.next_review))
    return rows


async def _unlinked_rows(session: AsyncSession, scope: Scope) -> list[Row]:
    linked = select(ChatAccount.member_id)
    members = await scope_members(session, scope, col(Member.id).not_in(linked))
    region = scope.settings.phone_region
    return [(m.full_name, m.roster_id, display_phone(m.phone, region)) for m in members]


async def _unreachable_rows(session: AsyncSession, scope: Scope) -> list[Row]:
    """Members with accounts, every one of which the messengers refused (blocked the bot)."""
    reachable = select(ChatAccount.member_id).where(col(ChatAccount.unreachable_at).is_(None))
    linked = select(ChatAccount.member_id)
    members = await scope_members(session, scope, col(Member.id).in_(linked),
                             col(Member.id).not_in(reachable))
    query = select(ChatAccount).where(col(ChatAccount.member_id).in_([m.id for m in members]))
    since: dict[int, date] = {}
    for account in (await session.exec(query)).all():
        if account.unreachable_at is not None:
            day = account.unreachable_at.astimezone(scope.settings.tz).date()
            since[account.member_id] = max(day, since.get(account.member_id, day))
    region = scope.settings.phone_region
    return [(m.full_name, since.get(m.id or 0), display_phone(m.phone, region))
            for m in members]


RELIEF = Section("relief", Msg("desk.section.relief"),
                 (Msg("desk.col.name"), Msg("desk.col.kind"), Msg("desk.col.since"),
                  Msg("desk.col.until"), Msg("desk.col.next_review")), _relief_rows, order=10,
                 sheet=Msg("desk.sheet.relief"))
UNLINKED = Section("unlinked", Msg("desk.section.unlinked"),
                   (Msg("desk.col.name"), Msg("desk.col.roster_id"), Msg("desk.col.phone")),
                   _unlinked_rows, order=60, sheet=Msg("desk.sheet.unlinked"))
UNREACHABLE = Section("unreachable", Msg("desk.section.unreachable"),
                      (Msg("desk.col.name"), Msg("desk.col.unreachable_since"),
                       Msg("desk.col.phone")), _unreachable_rows, order=70,
                      sheet=Msg("desk.sheet.unreachable"))
BUILT_IN = (RELIEF, UNLINKED, UNREACHABLE)

"""What each output holds, built from the data for a scope: the workbook's sheets, the rate
chart's bars and the DOCX drafts' fields. The chat and `chibot report` both use these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.desk import charts, lists
from conversations.desk.rates import RateTable, percent
from conversations.desk.scope import Scope
from conversations.desk.sections import sections
from conversations.desk.workbook import Sheet
from conversations.requests import kinds
from storage.models import (
    Member,
    MemberStatus,
    OfficerRole,
    Organisation,
    ReliefKind,
    Request,
    RequestDecision,
    RequestStage,
)
from storage.repos import orgs
from vocabulary.messages import Msg

Render = Callable[[Msg], str]
# Where the meeting's figures may be recorded with a decision (the exemption capability adds
# them); read defensively, and a blank is left in the draft when none is there.
PRESENT_KEYS = ("present", "members_present", "attended")
FOR_KEYS = ("votes_for", "for_votes", "agreed")
AGAINST_KEYS = ("votes_against", "against_votes", "disagreed")


def day(value: date | None) -> str | None:
    return value.strftime("%d/%m/%Y") if value else None


async def list_sheets(session: AsyncSession, scope: Scope, render: Render) -> list[Sheet]:
    """A sheet per registered list, for the scope's chi bo."""
    found = []
    for item in sections():
        rows = await item.rows(session, scope)
        found.append(Sheet(render(item.sheet or item.title),
                           [render(c) for c in item.columns], rows))
    return found


def rate_sheets(table: RateTable, render: Render) -> list[Sheet]:
    """Rates per chi bo and per dang bo, with the deployment's average as the last row."""
    head = [render(m) for m in (
        Msg("desk.col.code"), Msg("desk.col.branch"), Msg("desk.col.members"),
        Msg("desk.col.reduced"), Msg("desk.col.exempted"), Msg("desk.col.relieved"),
        Msg("desk.col.rate"), Msg("desk.col.away"))]
    rows: list[tuple[Any, ...]] = [
        (b.code, b.name, b.members, b.reduced, b.exempted, b.relieved,
         _round(b.rate), b.away) for b in table.branches]
    average = table.average
    rows.append(("", render(Msg("desk.rates.average_label")), average.members, None, None,
                 average.relieved, _round(average.rate), average.away))
    parent_head = [render(m) for m in (
        Msg("desk.col.code"), Msg("desk.col.parent"), Msg("desk.col.members"),
        Msg("desk.col.relieved"), Msg("desk.col.rate"), Msg("desk.col.away"))]
    parents = [(p.code, p.name, p.members, p.relieved, _round(p.rate), p.away)
               for p in table.parents]
    return [Sheet(render(Msg("desk.sheet.rates")), head, rows),
            Sheet(render(Msg("desk.sheet.parents")), parent_head, parents)]


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def rate_bars(table: RateTable, render: Render, language: str, limit: int) -> charts.Bars:
    """One chi bo: it and the dang bo above it; several: each (the rest summed)."""
    if len(table.branches) == 1:
        items = [(b.name, b.relieved, b.members) for b in table.branches]
        items += [(p.name, p.relieved, p.members) for p in table.parents]
    else:
        items = [(b.name, b.relieved, b.members) for b in table.branches]
    labels, values = charts.top_and_rest(items, limit, render(Msg("desk.chart.others")))
    return charts.Bars(render(Msg("desk.chart.rate_title", month=table.month.strftime("%m/%Y"))),
                       labels, values, table.average.rate,
                       render(Msg("desk.chart.average", rate=percent(table.average.rate,
                                                                     language))))


async def _secretary(session: AsyncSession, branch_id: int) -> str | None:
    found = await orgs.holders(session, branch_id, (OfficerRole.SECRETARY,))
    return found[0][1].full_name if found else None


async def _above(session: AsyncSession, branch: Organisation) -> str | None:
    parent = await session.get(Organisation, branch.parent_id or 0)
    return parent.name if parent else None


def _relief_item(item: lists.Relief, render: Render, branch: str) -> dict[str, str | None]:
    request = item.request
    return {"name": item.member.full_name, "kind": render(lists.kind_label(item)),
            "since": day(item.since),
            "until": (day(request.ends_on) or render(Msg("desk.cell.open_ended")))
            if request else None,
            "next_review": day(item.next_review), "branch": branch}


async def report_context(session: AsyncSession, scope: Scope, table: RateTable,
                         render: Render, language: str) -> dict[str, Any]:
    """The report of one chi bo to the committee above: its figures and who is relieved."""
    branch = await session.get(Organisation, scope.branch_ids[0])
    assert branch is not None
    mine = next((b for b in table.branches if b.branch_id == branch.id), None)
    parent = next((p for p in table.parents if p.org_id == branch.parent_id), None)
    reliefs = [_relief_item(r, render, branch.name) for r in await lists.reliefs(session, scope)]
    return {"branch": branch.name, "committee_above": await _above(session, branch),
            "today": day(scope.today), "month": table.month.strftime("%m/%Y"),
            "members": mine.members if mine else 0, "reduced": mine.reduced if mine else 0,
            "exempted": mine.exempted if mine else 0, "away": mine.away if mine else 0,
            "rate": percent(mine.rate if mine else None, language),
            "parent_rate": percent(parent.rate if parent else None, language),
            "average": percent(table.average.rate, language), "reliefs": reliefs,
            "secretary": await _secretary(session, branch.id or 0)}


async def review_context(session: AsyncSession, scope: Scope, render: Render,
                         scope_name: str) -> dict[str, Any]:
    """The yearly review list: open-ended reductions and exemptions, with their chi bo."""
    names = {o.id: o.name for o in (await session.exec(
        select(Organisation).where(col(Organisation.id).in_(scope.branch_ids)))).all()}
    rows = [_relief_item(r, render, names.get(r.member.branch_id, ""))
            for r in await lists.reliefs(session, scope) if r.open_ended]
    secretary = await _secretary(session, scope.branch_ids[0]) \
        if len(scope.branch_ids) == 1 else None
    return {"scope": scope_name, "year": scope.today.year, "today": day(scope.today),
            "rows": rows, "count": len(rows), "secretary": secretary}


async def approval_of(session: AsyncSession, request: Request) -> RequestDecision | None:
    """The chi bo's recorded decision on the request (not undone), if any."""
    query = (select(RequestDecision)
             .where(RequestDecision.request_id == request.id,
                    RequestDecision.stage == RequestStage.BRANCH,
                    col(RequestDecision.undone_at).is_(None))
             .order_by(col(RequestDecision.id).desc()))
    return (await session.exec(query)).first()


def _recorded(decision: RequestDecision | None, request: Request,
              keys: tuple[str, ...]) -> object | None:
    """A figure recorded with the decision: a column, or the decision's or request's data."""
    places: list[dict[str, Any]] = [request.detail or {}]
    nested = (request.detail or {}).get("meeting")
    if isinstance(nested, dict):
        places.append(nested)
    for key in keys:
        value = getattr(decision, key, None) if decision is not None else None
        if value is None:
            value = next((p[key] for p in places if p.get(key) is not None), None)
        if isinstance(value, int | str) and not isinstance(value, bool):
            return value
    return None


async def resolution_context(session: AsyncSession, request: Request, render: Render,
                             today: date) -> dict[str, Any]:
    """The chi bo's nghi quyet on a request, from the request and its recorded decision."""
    member = await session.get(Member, request.member_id)
    branch = await session.get(Organisation, request.branch_id)
    assert member is not None
    assert branch is not None
    decision = await approval_of(session, request)
    on_roll = (await session.exec(select(func.count()).select_from(Member).where(
        Member.branch_id == branch.id, Member.status != MemberStatus.LEFT))).one()
    reason = Msg(f"{request.type}.reason.{request.reason}")
    return {"branch": branch.name, "committee_above": await _above(session, branch),
            "today": day(today), "member_name": member.full_name,
            "kind": render(Msg("desk.kind.reduction") if request.kind == ReliefKind.REDUCTION
                           else Msg("desk.kind.exemption")),
            "subject": render(kinds.of(request).kind_label(request)),
            "reason": request.reason_text or render(reason),
            "starts_on": day(request.starts_on), "ends_on": day(request.ends_on)
            or render(Msg("desk.cell.open_ended")),
            "meeting_on": day(decision.meeting_on) if decision else None,
            "resolution_no": decision.resolution_no if decision else None,
            "members": on_roll,
            "present": _recorded(decision, request, PRESENT_KEYS),
            "votes_for": _recorded(decision, request, FOR_KEYS),
            "votes_against": _recorded(decision, request, AGAINST_KEYS),
            "secretary": await _secretary(session, branch.id or 0), "request_no": request.id}


async def decided_requests(session: AsyncSession, scope: Scope,
                           limit: int) -> list[tuple[Request, str]]:
    """Requests of the scope's chi bo the chi bo has decided on, latest first, each with its
    member's name (one query: the list is offered as options)."""
    decided = select(RequestDecision.request_id).where(
        RequestDecision.stage == RequestStage.BRANCH, col(RequestDecision.undone_at).is_(None))
    query = (select(Request, Member.full_name)
             .join(Member, col(Member.id) == Request.member_id)
             .where(col(Request.branch_id).in_(scope.branch_ids), col(Request.id).in_(decided))
             .order_by(col(Request.id).desc()).limit(limit))
    return [(request, name) for request, name in (await session.exec(query)).all()]


"""What officers and members are shown about a request, and the officers' decision buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.officers import BRANCH_LEADERS
from conversations.requests import kinds, routing
from conversations.requests.act import Act
from storage.models import (
    Member,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Request,
    RequestDecision,
    RequestStage,
    RequestStatus,
)
from storage.repos import orgs, outbox
from vocabulary.messages import Msg
from vocabulary.settings import Settings
from vocabulary.types import Choice, FileRef, Outbound

VERBS = {
    RequestStage.CONSENT: ("cy", "cn"),
    RequestStage.BRANCH: ("ok", "no", "ask", "def"),
    RequestStage.UPPER: ("ok", "no", "ask", "def"),
    RequestStage.ACK: ("ack",),
    RequestStage.CONFIRM: ("cfm", "cno"),
}


def subject(request: Request) -> str:
    return f"{request.type}:{request.id}"


def member_key(request: Request, tag: object) -> str:
    """The dedupe key of a message to the member about this request."""
    return f"{request.type}-member:{request.id}:{tag}"


async def summary(session: AsyncSession, request: Request) -> list[Msg]:
    """The request in a few lines, the same for the member and the officers."""
    member = await session.get(Member, request.member_id)
    branch = await session.get(Organisation, request.branch_id)
    lines = [Msg("request.summary.head", number=request.id or 0,
                 kind=kinds.of(request).kind_label(request),
                 name=member.full_name if member else "", branch=branch.name if branch else "")]
    lines += await kinds.of(request).lines(session, request)
    if request.question:
        lines.append(Msg("request.summary.question", question=request.question))
    if request.answer:
        lines.append(Msg("request.summary.answer", answer=request.answer))
    return lines


def stage_line(request: Request, org: Organisation | None) -> Msg:
    name = org.name if org else ""
    if request.deferred_at is not None:
        return Msg("request.stage.deferred", org=name, at=request.deferred_at)
    return Msg(f"request.stage.{request.stage}", org=name)


def buttons(request: Request) -> list[Choice]:
    if request.stage is None or request.status != RequestStatus.PENDING:
        return []
    level = "upper" if request.stage == RequestStage.UPPER else "branch"
    action = kinds.of(request).action
    return [Choice(f"a:{action}:{verb}:{request.id}:{request.revision}",
                   Msg(f"request.button.{verb}", level=Msg(f"request.level.{level}")),
                   ref=str(request.id))
            for verb in VERBS[request.stage]]


def attachment(request: Request) -> FileRef | None:
    return FileRef(**request.attachment) if request.attachment else None


async def decider_message(
    session: AsyncSession, settings: Settings, request: Request, *heading: Msg
) -> tuple[list[Msg], list[Choice]]:
    """The request as its deciders see it, with the buttons for its current stage."""
    org = await session.get(Organisation, request.stage_org_id or 0)
    body = [*heading, *await summary(session, request), stage_line(request, org),
            await kinds.of(request).stage_rule(session, settings, request)]
    return body, buttons(request)


async def notify_deciders(
    session: AsyncSession, settings: Settings, request: Request, out: list[Outbound],
    *heading: Msg, tag: str = "",
) -> int:
    """Send the request with its buttons to everyone who may act on it now; returns how many."""
    body, choices = await decider_message(session, settings, request, *heading)
    deciders = await routing.deciders(session, request, settings)
    for officer in deciders:
        out.append(Outbound(officer.id or 0, body, choices, attachment=attachment(request),
                            dedupe_key=f"{subject(request)}:{request.revision}:"
                                       f"{officer.id}{tag}",
                            subject=subject(request)))
    return len(deciders)


async def tell_leaders(act: Act, request: Request, member: Member, body: Msg, key: str) -> None:
    """A message about the request to the leaders of the member's branch (not the member)."""
    for _officer, leader in await orgs.holders(act.session, request.branch_id, BRANCH_LEADERS):
        if leader.id != member.id:
            act.out.append(Outbound(leader.id or 0, [body], dedupe_key=f"{key}:{leader.id}"))


async def last_decision_lines(session: AsyncSession, request: Request) -> list[Msg]:
    """Who recorded the latest decision on a request, and when."""
    query = (select(RequestDecision).where(RequestDecision.request_id == request.id,
                                           col(RequestDecision.undone_at).is_(None))
             .order_by(col(RequestDecision.id).desc()).limit(1))
    decision = (await session.exec(query)).first()
    officer = await session.get(Member, decision.by_member_id) if decision else None
    if decision is None or officer is None:
        return []
    return [recorded_line(decision.outcome, officer, decision.at)]


async def waiting_line(session: AsyncSession, request: Request) -> Msg:
    """One line of an officer's list of waiting requests."""
    member = await session.get(Member, request.member_id)
    state = Msg("request.waiting.deferred") if request.deferred_at else Msg(
        f"request.status.{request.status}")
    return Msg("request.waiting.line", number=request.id or 0,
               name=member.full_name if member else "",
               kind=kinds.of(request).kind_label(request), since=request.stage_since,
               state=state)


async def org_chain(session: AsyncSession, org_id: int) -> set[int]:
    """An organisation and every organisation above it."""
    org = await session.get(Organisation, org_id)
    return {org_id, *(o.id or 0 for o in await orgs.ancestors(session, org))} if org else set()


async def close_copies(
    session: AsyncSession, request: Request, revision: int, outcome: Msg,
    out: list[Outbound],
) -> None:
    """Every officer's copy of revision `revision` shows the outcome instead of its buttons."""
    prefix = f"{subject(request)}:{revision}:"
    for row in await outbox.copies(session, subject(request)):
        if not (row.dedupe_key or "").startswith(prefix):
            continue
        body = [*(Msg.from_json(m) for m in row.payload["body"]), outcome]
        if row.status in (OutboxStatus.QUEUED, OutboxStatus.FAILED):
            await _rewrite(session, row, body)
        elif row.status in (OutboxStatus.SENDING, OutboxStatus.SENT):
            out.append(Outbound(row.member_id or 0, body, edit_of=row.id))


async def _rewrite(session: AsyncSession, row: OutboxMessage, body: list[Msg]) -> None:
    """A copy not sent yet goes out showing the outcome, without buttons."""
    payload: dict[str, Any] = {**row.payload, "body": [m.to_json() for m in body],
                               "choices": []}
    await session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == row.id)
                       .values(payload=payload))


def recorded_line(outcome: str, officer: Member, at: datetime) -> Msg:
    return Msg("request.recorded", outcome=Msg(f"request.outcome.{outcome}"),
               name=officer.full_name, at=at)

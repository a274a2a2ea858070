"""Every change of a request's state: one conditional update, so one of two racing taps wins."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from bot.i18n import Msg
from conversations.exemption import certificates, effects, notices, reports, routing
from conversations.exemption.act import Act
from conversations.exemption.rules import OPEN
from conversations.types import Choice, FileRef, Outbound
from storage.models import (
    ExemptionRequest,
    Member,
    Organisation,
    ReliefKind,
    RequestDecision,
    RequestStage,
    RequestStatus,
)

APPROVED, REJECTED, MORE_INFO, DEFERRED = "approved", "rejected", "more_info", "deferred"
CONSENTED, CONSENT_REFUSED, FORWARDED = "consented", "consent_refused", "forwarded"
SNAPSHOT = ("status", "stage", "stage_org_id", "stage_since", "deferred_at", "question",
            "closed_at")


async def submit(act: Act, request: ExemptionRequest) -> int:
    """Save a new request and send it to whoever acts first; returns how many were told."""
    member = await act.session.get(Member, request.member_id)
    # The managing body's consent is asked before relief, not before a return to activity.
    consent = act.settings.retired_cadre_consent_required and bool(
        member and member.is_retired_cadre) and request.kind != ReliefKind.RETURN
    request.stage = RequestStage.CONSENT if consent else RequestStage.BRANCH
    request.stage_org_id, request.stage_since = request.branch_id, act.now
    act.session.add(request)
    await act.session.flush()
    act.audit("exemption.submitted", request, to=request.status, stage=request.stage,
              recorded_by=request.recorded_by)
    await effects.schedule_reminders(act, request)
    return await notices.notify_deciders(act.session, act.settings, request, act.out,
                                         Msg("exemption.new"))


async def decide(
    act: Act, request: ExemptionRequest, revision: int, outcome: str, note: str | None = None,
) -> RequestDecision | None:
    """Record an officer's decision; None when the request changed since the button was sent."""
    assert act.by is not None
    before = _snapshot(request)
    before["member_status"] = await effects.member_status(act.session, request)
    stage = request.stage
    recorded, values = await _after(act, request, outcome, note)
    if not await _move(act, request, revision, values):
        return None
    decision = RequestDecision(
        request_id=request.id or 0, stage=stage or RequestStage.BRANCH, outcome=recorded,
        by_member_id=act.by.id or 0, at=act.now, note=note,
        meeting_on=act.today if outcome == APPROVED else None, before=before)
    act.session.add(decision)
    await act.session.flush()
    act.audit("exemption.decided", request, outcome=decision.outcome, stage=stage,
              to=request.status, to_stage=request.stage, note=note, decision=decision.id)
    await certificates.schedule_purge(act, request)
    await notices.close_copies(act.session, request, revision,
                               notices.recorded_line(decision.outcome, act.by, act.now), act.out)
    await _follow_up(act, request, decision)
    return decision


async def _after(
    act: Act, request: ExemptionRequest, outcome: str, note: str | None
) -> tuple[str, dict[str, Any]]:
    """The outcome as recorded, and the request's fields after it."""
    closed = {"stage": None, "stage_org_id": None, "closed_at": act.now, "deferred_at": None}
    if outcome == CONSENTED:
        return CONSENTED, {"stage": RequestStage.BRANCH, "stage_since": act.now}
    if outcome in (REJECTED, CONSENT_REFUSED):
        return outcome, {"status": RequestStatus.REJECTED, **closed}
    if outcome == MORE_INFO:
        return MORE_INFO, {"status": RequestStatus.MORE_INFO, "question": note, "answer": None}
    if outcome == DEFERRED:
        return DEFERRED, {"deferred_at": act.now, "stage_since": act.now}
    upper = await _next_level(act, request)
    if upper is not None:
        return FORWARDED, {"stage": RequestStage.UPPER, "stage_org_id": upper.id,
                           "stage_since": act.now, "deferred_at": None}
    return APPROVED, {"status": RequestStatus.APPROVED, **closed}


async def _next_level(act: Act, request: ExemptionRequest) -> Organisation | None:
    """The committee a branch's agreement goes on to, or None when the agreement is final."""
    if request.stage != RequestStage.BRANCH:
        return None
    upper = await routing.upper_org(act.session, request, act.settings)
    roles = routing.branch_roles(act.settings)
    if upper is None or await routing.holders(act.session, request.branch_id, roles,
                                              request.member_id):
        return upper
    branch = await act.session.get(Organisation, request.branch_id)
    standing_in, _ = await routing.committee_above(act.session, branch, request.member_id) \
        if branch else (None, [])
    # The committee above already decided in place of a branch without other leaders.
    return None if standing_in is not None and standing_in.id == upper.id else upper


async def _follow_up(act: Act, request: ExemptionRequest, decision: RequestDecision) -> None:
    """Tell the member, put an approval in force, and send the request on where it goes next."""
    outcome = decision.outcome
    body = [Msg(f"exemption.member.{outcome}", number=request.id or 0,
                note=decision.note or "", org=await _stage_org_name(act, request))]
    if outcome == APPROVED:
        body.append(await effects.put_in_force(act, request))
    choices = [Choice(f"a:{notices.ACTION}:ans:{request.id}:{request.revision}",
                      Msg("exemption.button.answer"), ref=str(request.id))] \
        if outcome == MORE_INFO else []
    act.out.append(Outbound(request.member_id, body, choices,
                            dedupe_key=f"exemption-member:{request.id}:{request.revision}"))
    if request.status == RequestStatus.PENDING:
        await effects.schedule_reminders(act, request)
        if outcome in (CONSENTED, FORWARDED):
            await notices.notify_deciders(act.session, act.settings, request, act.out,
                                          Msg(f"exemption.heading.{outcome}"))
    if decision.stage == RequestStage.BRANCH and outcome in (APPROVED, REJECTED):
        await reports.plan(act, request, decision)


async def _stage_org_name(act: Act, request: ExemptionRequest) -> str:
    org = await act.session.get(Organisation, request.stage_org_id or request.branch_id)
    return org.name if org else ""


async def undo(act: Act, decision: RequestDecision) -> bool:
    """Take back a decision within the undo window, if nothing has happened since."""
    assert act.by is not None
    request = await act.session.get(ExemptionRequest, decision.request_id)
    window = timedelta(minutes=act.settings.decision_undo_minutes)
    if request is None or decision.undone_at is not None or act.now - decision.at > window \
            or decision.by_member_id != act.by.id:
        return False
    revision = request.revision
    values = {k: v for k, v in decision.before.items() if k in SNAPSHOT}
    values["status"] = RequestStatus(values["status"])
    values["stage"] = RequestStage(values["stage"]) if values["stage"] else None
    for key in ("stage_since", "deferred_at", "closed_at"):
        values[key] = _instant(values[key])
    if not await _move(act, request, revision, values):
        return False
    decision.undone_at = act.now
    act.session.add(decision)
    await effects.restore(act, request, decision)
    act.audit("exemption.undone", request, decision=decision.id, to=request.status,
              to_stage=request.stage)
    await notices.close_copies(act.session, request, revision,
                               Msg("exemption.undone_line", name=act.by.full_name), act.out)
    # The copies of the decided revision are closed too; fresh buttons go to the deciders.
    await notices.close_copies(act.session, request, revision - 1,
                               Msg("exemption.undone_line", name=act.by.full_name), act.out)
    act.out.append(Outbound(request.member_id, [Msg("exemption.member.undone",
                                                    number=request.id or 0)],
                            dedupe_key=f"exemption-member:{request.id}:{request.revision}"))
    if request.status in OPEN:
        await effects.schedule_reminders(act, request)
        if request.status == RequestStatus.PENDING:
            await notices.notify_deciders(act.session, act.settings, request, act.out,
                                          Msg("exemption.heading.undone"))
    return True


async def withdraw(act: Act, request: ExemptionRequest) -> bool:
    """The member takes back a request nobody has decided yet."""
    if request.status not in OPEN:
        return False
    revision = request.revision
    closed = {"status": RequestStatus.WITHDRAWN, "stage": None, "stage_org_id": None,
              "closed_at": act.now, "deferred_at": None}
    if not await _move(act, request, revision, closed):
        return False
    act.audit("exemption.withdrawn", request, to=request.status)
    await certificates.schedule_purge(act, request)
    await notices.close_copies(act.session, request, revision,
                               Msg("exemption.withdrawn_line", at=act.now), act.out)
    return True


async def answer(
    act: Act, request: ExemptionRequest, revision: int, text: str | None, file: FileRef | None,
) -> bool:
    """The member answers the officers' question; the request goes back to them."""
    values: dict[str, Any] = {"status": RequestStatus.PENDING, "answer": text,
                              "stage_since": act.now}
    if file is not None:
        values["certificate"] = file.__dict__
        values["certificate_at_meeting"] = False
    if request.status != RequestStatus.MORE_INFO or not await _move(
            act, request, revision, values):
        return False
    act.audit("exemption.answered", request, to=request.status, file=file is not None)
    await effects.schedule_reminders(act, request)
    await notices.notify_deciders(act.session, act.settings, request, act.out,
                                  Msg("exemption.heading.answered"))
    return True


async def meeting_details(
    act: Act, decision: RequestDecision, meeting_on: date | None, resolution_no: str | None,
) -> None:
    """The meeting date or resolution number of an approval, added after the tap."""
    if meeting_on is not None:
        decision.meeting_on = meeting_on
    if resolution_no is not None:
        decision.resolution_no = resolution_no
    act.session.add(decision)
    request = await act.session.get(ExemptionRequest, decision.request_id)
    if request is not None:
        act.audit("exemption.details", request, decision=decision.id,
                  meeting_on=meeting_on.isoformat() if meeting_on else None,
                  resolution_no=resolution_no)


async def _move(act: Act, request: ExemptionRequest, revision: int, values: dict[str, Any]) -> bool:
    """Apply `values` only if the request is still at `revision`; the loser changes nothing."""
    result = await act.session.exec(
        update(ExemptionRequest)
        .where(col(ExemptionRequest.id) == request.id, ExemptionRequest.revision == revision)
        .values(revision=revision + 1, **values))
    if result.rowcount != 1:
        return False
    await act.session.refresh(request)
    return True


def _snapshot(request: ExemptionRequest) -> dict[str, Any]:
    data = {key: getattr(request, key) for key in SNAPSHOT}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None

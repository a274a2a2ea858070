"""Every change of a request's state: one conditional update, so one of two racing taps wins."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from conversations.requests import (
    attachments,
    kinds,
    member_notices,
    notices,
    reminders,
    reports,
)
from conversations.requests.act import Act
from storage.models import (
    Member,
    Organisation,
    Request,
    RequestDecision,
    RequestStage,
    RequestStatus,
)
from storage.repos.requests import OPEN
from vocabulary.messages import Msg
from vocabulary.types import Choice, FileRef

APPROVED, REJECTED, MORE_INFO, DEFERRED = "approved", "rejected", "more_info", "deferred"
CONSENTED, CONSENT_REFUSED, FORWARDED = "consented", "consent_refused", "forwarded"
ACKNOWLEDGED, CONFIRMED, NOT_CONFIRMED = "acknowledged", "confirmed", "not_confirmed"
TO_CONFIRM = "to_confirm"  # agreed, and sent to a second organisation to confirm
AGREEING = (APPROVED, CONSENTED, ACKNOWLEDGED, CONFIRMED)
REFUSING = (REJECTED, CONSENT_REFUSED, NOT_CONFIRMED)
IN_FORCE = (APPROVED, ACKNOWLEDGED, CONFIRMED)  # outcomes that may put a request in force
# Decisions whose documents have a date and number (a meeting's resolution, a committee's
# decision, a managing committee's written consent), asked for after the tap.
DOCUMENTED = (APPROVED, FORWARDED, TO_CONFIRM, REJECTED, CONSENTED, CONSENT_REFUSED)
SNAPSHOT = ("status", "stage", "stage_org_id", "stage_since", "deferred_at", "question",
            "closed_at")


async def submit(act: Act, request: Request) -> int:
    """Save a new request and send it to whoever acts first; returns how many were told."""
    first = await kinds.of(request).next_stage(act, request)
    request.stage, request.stage_org_id = first or (RequestStage.BRANCH, request.branch_id)
    request.stage_since = act.now
    act.session.add(request)
    await act.session.flush()
    act.audit("submitted", request, to=request.status, stage=request.stage,
              recorded_by=request.recorded_by)
    await reminders.schedule(act, request)
    return await notices.notify_deciders(act.session, act.settings, request, act.out,
                                         Msg("request.new"))


async def decide(
    act: Act, request: Request, revision: int, outcome: str, note: str | None = None,
) -> RequestDecision | None:
    """Record an officer's decision; None when the request changed since the button was sent."""
    assert act.by is not None
    before = _snapshot(request)
    member = await act.session.get(Member, request.member_id)
    before["member_status"] = member.status if member else None
    stage, acting_org = request.stage, request.stage_org_id
    recorded, values = await _after(act, request, outcome, note)
    if not await _move(act, request, revision, values):
        return None
    decision = RequestDecision(
        request_id=request.id or 0, stage=stage or RequestStage.BRANCH, outcome=recorded,
        by_member_id=act.by.id or 0, at=act.now, note=note,
        meeting_on=act.today if outcome in DOCUMENTED else None, before=before)
    act.session.add(decision)
    await act.session.flush()
    act.audit("decided", request, outcome=decision.outcome, stage=stage,
              to=request.status, to_stage=request.stage, note=note, decision=decision.id)
    await attachments.schedule_purge(act, request)
    await notices.close_copies(act.session, request, revision,
                               notices.recorded_line(decision.outcome, act.by, act.now), act.out)
    await _follow_up(act, request, decision, acting_org)
    return decision


async def _after(
    act: Act, request: Request, outcome: str, note: str | None
) -> tuple[str, dict[str, Any]]:
    """The outcome as recorded, and the request's fields after it."""
    closed = {"stage": None, "stage_org_id": None, "closed_at": act.now, "deferred_at": None}
    if outcome in REFUSING:
        return outcome, {"status": RequestStatus.REJECTED, **closed}
    if outcome == MORE_INFO:
        return MORE_INFO, {"status": RequestStatus.MORE_INFO, "question": note, "answer": None}
    if outcome == DEFERRED:
        return DEFERRED, {"deferred_at": act.now, "stage_since": act.now}
    following = await kinds.of(request).next_stage(act, request)
    if following is not None:
        stage, org_id = following
        sent = TO_CONFIRM if stage == RequestStage.CONFIRM else FORWARDED
        return sent if outcome == APPROVED else outcome, {
            "stage": stage, "stage_org_id": org_id, "stage_since": act.now, "deferred_at": None}
    status = RequestStatus.ACKNOWLEDGED if outcome == ACKNOWLEDGED else RequestStatus.APPROVED
    return outcome, {"status": status, **closed}


async def _follow_up(
    act: Act, request: Request, decision: RequestDecision, acting_org: int | None
) -> None:
    """Tell the member, put an approval in force, and send the request on where it goes next."""
    outcome = decision.outcome
    org = await act.session.get(Organisation,
                                request.stage_org_id or acting_org or request.branch_id)
    body = [Msg(f"request.member.{outcome}", number=request.id or 0,
                note=decision.note or "", org=org.name if org else "")]
    action = kinds.of(request).action
    choices = [Choice(f"a:{action}:ans:{request.id}:{request.revision}",
                      Msg("request.button.answer"), ref=str(request.id))] \
        if outcome == MORE_INFO else []
    if outcome in IN_FORCE and request.status != RequestStatus.PENDING:
        body.append(await kinds.of(request).approve(act, request))
        choices += kinds.of(request).approval_choices(request)
    await member_notices.after_window(act, request, decision, body, choices)
    if request.status == RequestStatus.PENDING:
        await reminders.schedule(act, request)
        if outcome in (CONSENTED, FORWARDED, CONFIRMED, TO_CONFIRM):
            await notices.notify_deciders(act.session, act.settings, request, act.out,
                                          Msg(f"request.heading.{outcome}"))
    if decision.stage == RequestStage.BRANCH and outcome in (APPROVED, REJECTED):
        await reports.plan(act, request, decision)


async def undo(act: Act, decision: RequestDecision) -> bool:
    """Take back a decision within the undo window, if nothing has happened since."""
    assert act.by is not None
    request = await act.session.get(Request, decision.request_id)
    window = timedelta(minutes=act.settings.decision_undo_minutes)
    if request is None or decision.undone_at is not None or act.now - decision.at > window \
            or decision.by_member_id != act.by.id:
        return False
    revision = request.revision
    was_in_force = request.status in (RequestStatus.APPROVED, RequestStatus.ACKNOWLEDGED)
    values = {k: v for k, v in decision.before.items() if k in SNAPSHOT}
    values["status"] = RequestStatus(values["status"])
    values["stage"] = RequestStage(values["stage"]) if values["stage"] else None
    for key in ("stage_since", "deferred_at", "closed_at"):
        values[key] = _instant(values[key])
    if not await _move(act, request, revision, values):
        return False
    decision.undone_at = act.now
    act.session.add(decision)
    if was_in_force:
        await kinds.of(request).restore(act, request, decision)
    act.audit("undone", request, decision=decision.id, to=request.status,
              to_stage=request.stage)
    line = Msg("request.undone_line", name=act.by.full_name)
    await notices.close_copies(act.session, request, revision, line, act.out)
    # The copies of the decided revision are closed too; fresh buttons go to the deciders.
    await notices.close_copies(act.session, request, revision - 1, line, act.out)
    if request.status in OPEN:
        await reminders.schedule(act, request)
        if request.status == RequestStatus.PENDING:
            await notices.notify_deciders(act.session, act.settings, request, act.out,
                                          Msg("request.heading.undone"))
    return True


async def withdraw(act: Act, request: Request) -> bool:
    """The member takes back a request nobody has decided yet."""
    if request.status not in OPEN:
        return False
    revision = request.revision
    closed = {"status": RequestStatus.WITHDRAWN, "stage": None, "stage_org_id": None,
              "closed_at": act.now, "deferred_at": None}
    if not await _move(act, request, revision, closed):
        return False
    act.audit("withdrawn", request, to=request.status)
    await attachments.schedule_purge(act, request)
    await notices.close_copies(act.session, request, revision,
                               Msg("request.withdrawn_line", at=act.now), act.out)
    return True


async def answer(
    act: Act, request: Request, revision: int, text: str | None, file: FileRef | None,
) -> bool:
    """The member answers the officers' question; the request goes back to them."""
    values: dict[str, Any] = {"status": RequestStatus.PENDING, "answer": text,
                              "stage_since": act.now}
    replaced = (request.attachment or {}).get("path") if file is not None else None
    if file is not None:
        values["attachment"] = file.__dict__
        values["attachment_at_meeting"] = False
    if request.status != RequestStatus.MORE_INFO or not await _move(
            act, request, revision, values):
        return False
    if replaced and file is not None and replaced != file.path:  # no copy kept of the old one
        await attachments.delete_unused(act, request, replaced)
    act.audit("answered", request, to=request.status, file=file is not None)
    await reminders.schedule(act, request)
    await notices.notify_deciders(act.session, act.settings, request, act.out,
                                  Msg("request.heading.answered"))
    return True


async def end(act: Act, request: Request) -> bool:
    """A request in force is over (its period ended, or a later request ended it)."""
    if request.status not in (RequestStatus.APPROVED, RequestStatus.ACKNOWLEDGED):
        return False
    request.status, request.closed_at = RequestStatus.ENDED, act.now
    act.session.add(request)
    act.audit("ended", request, to=request.status)
    return True


async def record_details(act: Act, decision: RequestDecision, **fields: Any) -> None:
    """What was added after the tap: `meeting_on` (the meeting's or the document's date),
    `resolution_no` (its number), or `detail` entries (votes, the consenting committee)."""
    for name in ("meeting_on", "resolution_no"):
        if name in fields:
            setattr(decision, name, fields.pop(name))
    if fields:
        decision.detail = {**decision.detail, **fields}
    act.session.add(decision)
    request = await act.session.get(Request, decision.request_id)
    if request is not None:
        act.audit("details", request, decision=decision.id,
                  meeting_on=decision.meeting_on.isoformat() if decision.meeting_on else None,
                  resolution_no=decision.resolution_no, **decision.detail)


async def _move(act: Act, request: Request, revision: int, values: dict[str, Any]) -> bool:
    """Apply `values` only if the request is still at `revision`; the loser changes nothing."""
    result = await act.session.exec(
        update(Request)
        .where(col(Request.id) == request.id, Request.revision == revision)
        .values(revision=revision + 1, **values))
    if result.rowcount != 1:
        return False
    await act.session.refresh(request)
    return True


def _snapshot(request: Request) -> dict[str, Any]:
    data = {key: getattr(request, key) for key in SNAPSHOT}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None

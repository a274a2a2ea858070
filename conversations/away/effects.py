"""What a recorded away request does to the away record, and undoing it after a mis-tap."""

from __future__ import annotations

from datetime import date

from conversations.away import timers
from conversations.away.rules import EXTEND, RETURN, arrangement
from conversations.requests.act import Act
from storage.models import AwayArrangement, AwayRecord, Member, Request, RequestDecision
from storage.repos import away
from vocabulary.messages import Msg


def kind_label(request: Request) -> Msg:
    return Msg(f"away.kind.{request.kind}")


async def record_of(act: Act, request: Request) -> AwayRecord | None:
    """The record an extension or a return is about."""
    return await act.session.get(AwayRecord, request.detail.get("record") or 0)


async def put_in_force(act: Act, request: Request) -> Msg:
    """Open the away record (or move its end, or close it); returns what the member reads."""
    if request.kind == EXTEND:
        return await _extend(act, request)
    if request.kind == RETURN:
        return await _return(act, request)
    kind = arrangement(request)
    record = AwayRecord(
        member_id=request.member_id, branch_id=request.branch_id, request_id=request.id,
        arrangement=kind, place=request.detail.get("place", ""),
        reason=request.reason, contact_phone=request.detail.get("phone"),
        starts_on=request.starts_on or act.today, ends_on=request.ends_on,
        host_org_id=request.other_org_id, host_name=request.detail.get("host_name"),
        arrived_on=act.today if request.other_org_id else None,
        last_contact_at=act.now, created_at=act.now)
    act.session.add(record)
    await act.session.flush()
    await timers.plan(act, record)
    act.audit("away_opened", request, record=record.id)
    if kind == AwayArrangement.SUSPEND:
        return Msg("away.effect.suspend", start=record.starts_on, end=record.ends_on)
    if kind == AwayArrangement.TRANSFER:
        return Msg("away.effect.transfer", start=record.starts_on, end=record.ends_on)
    if record.ends_on is None:
        return Msg("away.effect.inform_unsure", start=record.starts_on)
    return Msg("away.effect.inform", start=record.starts_on, end=record.ends_on)


async def _extend(act: Act, request: Request) -> Msg:
    record = await record_of(act, request)
    if record is None or record.returned_on is not None:
        return Msg("away.effect.none")
    record.ends_on, record.asked_at, record.last_contact_at = request.ends_on, None, act.now
    act.session.add(record)
    await timers.plan(act, record)
    if record.host_org_id is not None:  # an extended transfer is reported to both chi bo
        member = await act.session.get(Member, record.member_id)
        await timers.tell_officers(act, record.host_org_id, record, Msg(
            "away.host.extended", name=member.full_name if member else "", end=record.ends_on),
            f"away-host-extended:{request.id}")
    return Msg("away.effect.extended", end=request.ends_on)


async def _return(act: Act, request: Request) -> Msg:
    record = await record_of(act, request)
    if record is None or record.returned_on is not None:
        return Msg("away.effect.none")
    record.returned_on = request.starts_on or act.today
    record.comment, record.comment_at_meeting = request.attachment, request.attachment_at_meeting
    record.last_contact_at = act.now
    act.session.add(record)
    return Msg("away.effect.returned", day=record.returned_on)


async def restore(act: Act, request: Request, _decision: RequestDecision) -> None:
    """An undone decision takes back what it did to the record."""
    if request.kind == EXTEND:
        record = await record_of(act, request)
        previous = request.detail.get("previous_end")
        if record is not None:
            record.ends_on = date.fromisoformat(previous) if previous else None
            act.session.add(record)
            await timers.plan(act, record)
    elif request.kind == RETURN:
        record = await record_of(act, request)
        if record is not None:
            record.returned_on, record.comment, record.comment_at_meeting = None, None, False
            act.session.add(record)
    else:
        record = await away.by_request(act.session, request.id or 0)
        if record is not None:
            await act.session.delete(record)

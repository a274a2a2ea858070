"""Each branch decision is reported to the committee above: once the undo window has passed,
or in a daily digest (a setting)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from conversations.requests import kinds, routing
from conversations.requests.act import Act
from storage.models import Member, Organisation, Request, RequestDecision, Timer
from storage.repos.timers import schedule
from vocabulary.messages import Msg
from vocabulary.types import Outbound

REPORT, DIGEST = "report", "digest"
NOBODY_ABOVE = "nobody_above"  # in a decision's detail: no committee above to report it to


async def plan(act: Act, request: Request, decision: RequestDecision) -> None:
    branch = await act.session.get(Organisation, request.branch_id)
    above, _readers = await routing.committee_above(act.session, branch) if branch \
        else (None, [])
    if above is None:  # said, not dropped silently: the officer is told with the decision
        decision.detail = {**decision.detail, NOBODY_ABOVE: True}
        act.session.add(decision)
        return
    decision.report_to_org_id = above.id
    act.session.add(decision)
    await act.session.flush()
    request_type = kinds.of(request)
    if act.settings.decision_report == "daily":
        due, kind = _next_digest(act), request_type.timer(DIGEST)
        await schedule(act.session, kind, f"{kind}:{above.id}:{due.date().isoformat()}", due,
                       act.now, org_id=above.id)
    else:
        due, kind = act.now + timedelta(minutes=act.settings.decision_undo_minutes), \
            request_type.timer(REPORT)
        await schedule(act.session, kind, f"{kind}:{decision.id}", due, act.now,
                       org_id=above.id)


def _next_digest(act: Act) -> datetime:
    """The first digest time after the decision can no longer be undone."""
    settled = act.now + timedelta(minutes=act.settings.decision_undo_minutes)
    local = settled.astimezone(act.settings.tz)
    due = datetime.combine(local.date(), act.settings.decision_digest_time, tzinfo=local.tzinfo)
    return due if due > local else due + timedelta(days=1)


async def send(act: Act, timer: Timer, request_type: kinds.RequestType) -> None:
    """Report this type's decisions not yet reported to one committee (one message per reader)."""
    org_id = timer.payload["org_id"]
    query = (select(RequestDecision)
             .join(Request, col(Request.id) == RequestDecision.request_id)
             .where(RequestDecision.report_to_org_id == org_id,
                    Request.type == request_type.name,
                    col(RequestDecision.reported_at).is_(None),
                    col(RequestDecision.undone_at).is_(None),
                    RequestDecision.at <= act.now - timedelta(
                        minutes=act.settings.decision_undo_minutes))
             .order_by(col(RequestDecision.id)))
    decisions = list((await act.session.exec(query)).all())
    if not decisions:
        return
    lines = [await _line(act, d) for d in decisions]
    for reader in await routing.holders(act.session, org_id, routing.COMMITTEE_ROLES, None):
        act.out.append(Outbound(reader.id or 0, [request_type.report_head(len(lines)),
                                                     *lines],
                                dedupe_key=f"{timer.key}:{reader.id}"))
    for decision in decisions:
        decision.reported_at = act.now
        act.session.add(decision)


async def _line(act: Act, decision: RequestDecision) -> Msg:
    request = await act.session.get(Request, decision.request_id)
    member = await act.session.get(Member, request.member_id) if request else None
    branch = await act.session.get(Organisation, request.branch_id) if request else None
    officer = await act.session.get(Member, decision.by_member_id)
    return Msg("request.report.line", number=decision.request_id,
               name=member.full_name if member else "",
               kind=kinds.of(request).kind_label(request) if request else "",
               branch=branch.name if branch else "",
               outcome=Msg(f"request.outcome.{decision.outcome}"),
               meeting=decision.meeting_on, resolution=decision.resolution_no or Msg("common.none"),
               officer=officer.full_name if officer else "")

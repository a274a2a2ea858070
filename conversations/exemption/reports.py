"""Each branch decision is reported to the committee above: once the undo window has passed,
or in a daily digest (a setting)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.i18n import Msg
from bot.timers import schedule
from conversations.exemption import routing
from conversations.exemption.act import Act
from conversations.types import Outbound
from storage.models import ExemptionRequest, Member, Organisation, RequestDecision, Timer

REPORT, DIGEST = "exemption-report", "exemption-digest"


async def plan(act: Act, request: ExemptionRequest, decision: RequestDecision) -> None:
    branch = await act.session.get(Organisation, request.branch_id)
    above, _readers = await routing.committee_above(act.session, branch) if branch \
        else (None, [])
    if above is None:
        return
    decision.report_to_org_id = above.id
    act.session.add(decision)
    await act.session.flush()
    if act.settings.decision_report == "daily":
        due = _next_digest(act)
        await schedule(act.session, DIGEST, f"{DIGEST}:{above.id}:{due.date().isoformat()}", due,
                       act.now, org_id=above.id)
    else:
        due = act.now + timedelta(minutes=act.settings.decision_undo_minutes)
        await schedule(act.session, REPORT, f"{REPORT}:{decision.id}", due, act.now,
                       org_id=above.id)


def _next_digest(act: Act) -> datetime:
    """The first digest time after the decision can no longer be undone."""
    settled = act.now + timedelta(minutes=act.settings.decision_undo_minutes)
    local = settled.astimezone(act.settings.tz)
    due = datetime.combine(local.date(), act.settings.decision_digest_time, tzinfo=local.tzinfo)
    return due if due > local else due + timedelta(days=1)


async def send(act: Act, timer: Timer) -> None:
    """Report the decisions not yet reported to one committee (one message per member)."""
    org_id = timer.payload["org_id"]
    query = (select(RequestDecision)
             .where(RequestDecision.report_to_org_id == org_id,
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
        act.out.append(Outbound(reader.id or 0, [Msg("exemption.report.head",
                                                     count=len(lines)), *lines],
                                dedupe_key=f"{timer.key}:{reader.id}"))
    for decision in decisions:
        decision.reported_at = act.now
        act.session.add(decision)


async def _line(act: Act, decision: RequestDecision) -> Msg:
    request = await act.session.get(ExemptionRequest, decision.request_id)
    member = await act.session.get(Member, request.member_id) if request else None
    branch = await act.session.get(Organisation, request.branch_id) if request else None
    officer = await act.session.get(Member, decision.by_member_id)
    return Msg("exemption.report.line", number=decision.request_id,
               name=member.full_name if member else "",
               kind=Msg(f"exemption.kind.{request.kind}") if request else "",
               branch=branch.name if branch else "",
               outcome=Msg(f"exemption.outcome.{decision.outcome}"),
               meeting=decision.meeting_on, resolution=decision.resolution_no or Msg("common.none"),
               officer=officer.full_name if officer else "")

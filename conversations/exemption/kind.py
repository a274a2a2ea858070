"""Exemption as a request type: what its requests say and what their approval does."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.exemption import effects, reminders, stages
from conversations.exemption.rules import RETURN
from conversations.requests.kinds import RequestType, define
from storage.models import Member, Request
from vocabulary.messages import Localised, Msg

NAME = "exemption"


def reason_line(request: Request) -> Msg:
    if request.reason_text:
        return Msg("exemption.reason.other_text", text=request.reason_text)
    if request.detail.get("reason_label"):  # a province's own reason
        return Msg("exemption.reason.named", label=Localised(request.detail["reason_label"]))
    return Msg(f"exemption.reason.{request.reason}")


async def lines(session: AsyncSession, request: Request) -> list[Msg]:
    """Its reason, period, certificate and, for a retired cadre, who manages him/her."""
    found: list[Msg] = []
    if request.reason != RETURN:
        found.append(Msg("exemption.summary.reason", reason=reason_line(request)))
    if request.ends_on is not None:
        found.append(Msg("exemption.summary.period", start=request.starts_on, end=request.ends_on))
    elif request.reason != RETURN:
        found.append(Msg("exemption.summary.open_ended"))
    if request.attachment:
        found.append(Msg("exemption.summary.certificate_attached"))
    elif request.attachment_at_meeting:
        found.append(Msg("exemption.summary.certificate_at_meeting"))
    member = await session.get(Member, request.member_id)
    if member is not None and member.is_retired_cadre:
        found.append(Msg("exemption.summary.retired_cadre",
                         body=member.managing_body or Msg("common.none")))
    return found


def report_head(count: int) -> Msg:
    return Msg("exemption.report.head", count=count)


EXEMPTION = define(RequestType(
    name=NAME, action="xr", kind_label=effects.kind_label, lines=lines,
    next_stage=stages.next_stage, approve=effects.put_in_force,
    deciding_roles=stages.deciding_roles, report_head=report_head, restore=effects.restore,
    stage_rule=stages.stage_rule, approval_choices=reminders.approval_choices,
    jobs={"start": effects.start, "end": effects.end, "review": effects.review}))

"""A member with a reduction or exemption in force asks to return to normal activity."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.context import Ctx
from conversations.exemption.flows import already_open, in_force
from conversations.exemption.kind import NAME
from conversations.exemption.rules import RETURN
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step
from conversations.requests import decisions, notices
from conversations.requests.act import Act
from storage.models import ReliefKind, Request
from storage.repos import requests

RETURN_FLOW = "exemption_return"


async def return_visible(ctx: Ctx) -> bool:
    return ctx.member is not None and await in_force(ctx, ctx.member.id or 0) is not None


async def _return_start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    relief = await in_force(ctx, ctx.member.id or 0)
    if relief is None:
        return Done(Msg("exemption.return.nothing"))
    found = await requests.open_for(ctx.session, ctx.member.id or 0, NAME)
    if found is not None:
        return Done(already_open(found))
    ctx.data["relief"] = relief.id
    return Next("confirm")


async def _return_prompt(ctx: Ctx) -> Prompt:
    relief = await ctx.session.get(Request, ctx.data["relief"])
    lines = await notices.summary(ctx.session, relief) if relief else []
    return Prompt([Msg("exemption.return.ask"), *lines, Msg("exemption.rule.return")],
                  [("send", Msg("request.send")), ("cancel", Msg("request.cancel"))])


async def _return_confirm(ctx: Ctx, answer: Answer) -> Outcome:
    assert ctx.member is not None
    if answer.option == "cancel":
        return Done(Msg("cancel.done"))
    if answer.option != "send":
        return Invalid(Msg("common.please_choose"))
    relief = await in_force(ctx, ctx.member.id or 0)
    if relief is None or relief.id != ctx.data["relief"] or await requests.open_for(
            ctx.session, ctx.member.id or 0, NAME):
        return Done(Msg("exemption.return.nothing"))
    request = Request(type=NAME, member_id=ctx.member.id or 0,
                      branch_id=ctx.member.branch_id, kind=ReliefKind.RETURN, reason=RETURN,
                      related_id=relief.id, created_at=ctx.now, stage_since=ctx.now)
    told = await decisions.submit(Act.of(ctx), request)
    return Done(Msg("request.submitted", number=request.id or 0),
                Msg("request.rule.after_submit") if told else Msg("request.no_deciders"))

RETURN_REQUEST = Flow(RETURN_FLOW, {"confirm": Step(_return_prompt, _return_confirm)},
                      _return_start)

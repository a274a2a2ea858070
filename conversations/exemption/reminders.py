"""Meeting reminders are opt-in for an exempted member (232-QD/TW 7.2: he/she may ask to keep
receiving the chi bo's information): asked with the approval, changed from "My information".
The meetings capability reads `Member.meeting_reminders_opt_in`."""

from __future__ import annotations

from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Outcome, Prompt, Step, go
from storage.models import Member, MemberStatus, ReliefKind, Request
from vocabulary.messages import Msg
from vocabulary.text import as_id
from vocabulary.types import Choice

ACTION = "xm"  # its buttons: a:xm:on|off:REQUEST_ID
FLOW = "exemption_reminders"


def approval_choices(request: Request) -> list[Choice]:
    """The question's buttons, sent with an exemption's approval (a reduced member attends
    and is reminded anyway)."""
    if request.kind != ReliefKind.EXEMPTION:
        return []
    return [Choice(f"a:{ACTION}:{choice}:{request.id}", Msg(f"exemption.reminders.{choice}"),
                   ref=str(request.id)) for choice in ("on", "off")]


async def _set(ctx: Ctx, member: Member, wanted: bool) -> Msg:
    member.meeting_reminders_opt_in = wanted
    member.updated_at = ctx.now
    ctx.session.add(member)
    ctx.audit("member.meeting_reminders", ("member", member.id), opt_in=wanted)
    return Msg("exemption.reminders.now_on") if wanted else Msg("exemption.reminders.now_off")


async def act(ctx: Ctx, args: list[str]) -> Outcome | None:
    """A tap on the question sent with the approval: only the member it was sent to."""
    choice, request_id = (args[0], as_id(args[1])) if len(args) == 2 else ("", None)
    request = await ctx.session.get(Request, request_id) if request_id else None
    if ctx.member is None or request is None or request.member_id != ctx.member.id \
            or choice not in ("on", "off"):
        ctx.reply(Msg("request.officer.not_allowed"))
        return None
    ctx.reply(await _set(ctx, ctx.member, choice == "on"))
    return None


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and ctx.member.status == MemberStatus.EXEMPTED


async def _prompt(ctx: Ctx) -> Prompt:
    assert ctx.member is not None
    now = Msg("exemption.reminders.is_on") if ctx.member.meeting_reminders_opt_in else \
        Msg("exemption.reminders.is_off")
    return Prompt([now, Msg("exemption.reminders.ask")],
                  [("on", Msg("exemption.reminders.on")), ("off", Msg("exemption.reminders.off"))])


async def _answer(ctx: Ctx, answer: Answer) -> Outcome:
    assert ctx.member is not None
    if answer.option not in ("on", "off"):
        return Invalid(Msg("common.please_choose"))
    return Done(await _set(ctx, ctx.member, answer.option == "on"))


MENU_FLOW = Flow(FLOW, {"choose": Step(_prompt, _answer)}, go("choose"))

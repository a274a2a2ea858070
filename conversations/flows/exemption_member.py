"""The member's side after asking: his/her requests and their status, withdrawing one not yet
decided, answering the officers' question, and asking to return to normal activity."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.context import Ctx
from conversations.exemption import decisions, notices
from conversations.exemption.act import Act
from conversations.exemption.actions import ANSWER_FLOW
from conversations.exemption.rules import MAX_TEXT, OPEN, RETURN
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step, go
from storage.models import ExemptionRequest, ReliefKind
from storage.repos import exemptions

MINE, RETURN_FLOW = "exemption_mine", "exemption_return"
LISTED = 10


async def _mine_start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    if not await exemptions.of_member(ctx.session, ctx.member.id or 0, 1):
        return Done(Msg("exemption.mine.none"))
    return Next("list")


async def _list_prompt(ctx: Ctx) -> Prompt:
    assert ctx.member is not None
    found = await exemptions.of_member(ctx.session, ctx.member.id or 0, LISTED)
    lines = [Msg("exemption.mine.head")]
    options = []
    for request in found:
        lines.append(Msg("exemption.mine.line", number=request.id or 0,
                         kind=Msg(f"exemption.kind.{request.kind}"),
                         status=Msg(f"exemption.status.{request.status}"),
                         date=request.created_at))
        if request.question and request.status in OPEN:
            lines.append(Msg("exemption.summary.question", question=request.question))
        if request.status in OPEN:
            options.append((f"w{request.id}", Msg("exemption.mine.withdraw", number=request.id)))
    return Prompt(lines, [*options, ("done", Msg("exemption.details.done"))])


async def _list(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "done":
        return Done()
    request = await _own_open(ctx, (answer.option or "").removeprefix("w"))
    if request is None:
        return Invalid(Msg("common.please_choose"))
    ctx.data["request"] = request.id
    return Next("withdraw")


async def _own_open(ctx: Ctx, raw: str | int | None) -> ExemptionRequest | None:
    assert ctx.member is not None
    if raw is None or not str(raw).isdigit():
        return None
    request = await ctx.session.get(ExemptionRequest, int(raw))
    if request is None or request.member_id != ctx.member.id or request.status not in OPEN:
        return None
    return request


async def _withdraw_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("exemption.mine.withdraw_confirm", number=ctx.data["request"])],
                  [("yes", Msg("exemption.mine.withdraw_yes")),
                   ("no", Msg("exemption.mine.withdraw_no"))])


async def _withdraw(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "no":
        return Done(Msg("exemption.mine.kept"))
    if answer.option != "yes":
        return Invalid(Msg("common.please_choose"))
    request = await _own_open(ctx, ctx.data["request"])
    if request is None or not await decisions.withdraw(Act.of(ctx), request):
        return Done(Msg("exemption.mine.cannot_withdraw", number=ctx.data["request"]))
    return Done(Msg("exemption.mine.withdrawn", number=request.id or 0))


# -- answering the officers' question ----------------------------------------------------------


async def _answer_prompt(ctx: Ctx) -> Prompt:
    request = await ctx.session.get(ExemptionRequest, ctx.data["request"])
    question = request.question if request else ""
    hint = "exemption.answer.hint_file" if ctx.channel.files else "exemption.answer.hint"
    return Prompt([Msg("exemption.answer.ask", number=ctx.data["request"], question=question),
                   Msg(hint)])


async def _answer(ctx: Ctx, answer: Answer) -> Outcome:
    text = (answer.text or "").strip() or None
    if text is None and answer.file is None:
        return Invalid(Msg("exemption.error.text_empty"))
    if text is not None and len(text) > MAX_TEXT:
        return Invalid(Msg("exemption.error.text_too_long", length=len(text), limit=MAX_TEXT))
    request = await _own_open(ctx, ctx.data["request"])
    if request is None or not await decisions.answer(Act.of(ctx), request,
                                                      ctx.data["revision"], text, answer.file):
        return Done(Msg("exemption.answer.not_needed", number=ctx.data["request"]))
    return Done(Msg("exemption.answer.sent", number=request.id or 0))


# -- asking to return to normal activity -------------------------------------------------------


async def return_visible(ctx: Ctx) -> bool:
    return ctx.member is not None and await exemptions.in_force(
        ctx.session, ctx.member.id or 0) is not None


async def _return_start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    relief = await exemptions.in_force(ctx.session, ctx.member.id or 0)
    if relief is None:
        return Done(Msg("exemption.return.nothing"))
    found = await exemptions.open_for(ctx.session, ctx.member.id or 0)
    if found is not None:
        return Done(Msg("exemption.error.already_open", number=found.id or 0,
                        status=Msg(f"exemption.status.{found.status}")))
    ctx.data["relief"] = relief.id
    return Next("confirm")


async def _return_prompt(ctx: Ctx) -> Prompt:
    relief = await ctx.session.get(ExemptionRequest, ctx.data["relief"])
    lines = await notices.summary(ctx.session, relief) if relief else []
    return Prompt([Msg("exemption.return.ask"), *lines, Msg("exemption.rule.return")],
                  [("send", Msg("exemption.send")), ("cancel", Msg("exemption.cancel"))])


async def _return_confirm(ctx: Ctx, answer: Answer) -> Outcome:
    assert ctx.member is not None
    if answer.option == "cancel":
        return Done(Msg("cancel.done"))
    if answer.option != "send":
        return Invalid(Msg("common.please_choose"))
    relief = await exemptions.in_force(ctx.session, ctx.member.id or 0)
    if relief is None or relief.id != ctx.data["relief"] or await exemptions.open_for(
            ctx.session, ctx.member.id or 0):
        return Done(Msg("exemption.return.nothing"))
    request = ExemptionRequest(member_id=ctx.member.id or 0, branch_id=ctx.member.branch_id,
                               kind=ReliefKind.RETURN, reason=RETURN, relieves_id=relief.id,
                               created_at=ctx.now, stage_since=ctx.now)
    told = await decisions.submit(Act.of(ctx), request)
    return Done(Msg("exemption.submitted", number=request.id or 0),
                Msg("exemption.rule.after_submit") if told else Msg("exemption.no_deciders"))


MINE_FLOW = Flow(MINE, {"list": Step(_list_prompt, _list),
                        "withdraw": Step(_withdraw_prompt, _withdraw)}, _mine_start)
ANSWER = Flow(ANSWER_FLOW, {"answer": Step(_answer_prompt, _answer)}, go("answer"))
RETURN_REQUEST = Flow(RETURN_FLOW, {"confirm": Step(_return_prompt, _return_confirm)},
                      _return_start)

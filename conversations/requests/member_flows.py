"""The member's side after asking, for every request type: his/her requests and their status,
withdrawing one not yet decided, and answering the officers' question."""

from __future__ import annotations

from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step, go
from conversations.requests import decisions, kinds
from conversations.requests.act import Act
from conversations.requests.actions import ANSWER_FLOW
from conversations.requests.kinds import MAX_TEXT
from storage.models import Organisation, Request
from storage.repos import requests
from storage.repos.requests import OPEN
from vocabulary.messages import Msg
from vocabulary.text import as_id

MINE = "request_mine"
LISTED = 10


async def _mine_start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    if not await requests.of_member(ctx.session, ctx.member.id or 0, 1):
        return Done(Msg("request.mine.none"))
    return Next("list")


async def _list_prompt(ctx: Ctx) -> Prompt:
    assert ctx.member is not None
    found = await requests.of_member(ctx.session, ctx.member.id or 0, LISTED)
    lines = [Msg("request.mine.head")]
    options = []
    for request in found:
        lines.append(Msg("request.mine.line", number=request.id or 0,
                         kind=kinds.of(request).kind_label(request),
                         status=Msg(f"request.status.{request.status}"),
                         date=request.created_at))
        if request.question and request.status in OPEN:
            lines.append(Msg("request.summary.question", question=request.question))
        if request.status in OPEN:
            options.append((f"w{request.id}", Msg("request.mine.withdraw", number=request.id)))
    return Prompt(lines, [*options, ("done", Msg("request.details.done"))])


async def _list(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "done":
        return Done()
    request = await _own_open(ctx, (answer.option or "").removeprefix("w"))
    if request is None:
        return Invalid(Msg("common.please_choose"))
    ctx.data["request"] = request.id
    return Next("withdraw")


async def _own_open(ctx: Ctx, raw: str | int | None) -> Request | None:
    assert ctx.member is not None
    request_id = as_id(raw)
    if request_id is None:
        return None
    request = await ctx.session.get(Request, request_id)
    if request is None or request.member_id != ctx.member.id or request.status not in OPEN:
        return None
    return request


async def _withdraw_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("request.mine.withdraw_confirm", number=ctx.data["request"])],
                  [("yes", Msg("request.mine.withdraw_yes")),
                   ("no", Msg("request.mine.withdraw_no"))])


async def _withdraw(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "no":
        return Done(Msg("request.mine.kept"))
    if answer.option != "yes":
        return Invalid(Msg("common.please_choose"))
    request = await _own_open(ctx, ctx.data["request"])
    if request is None or not await decisions.withdraw(Act.of(ctx), request):
        return Done(Msg("request.mine.cannot_withdraw", number=ctx.data["request"]))
    return Done(Msg("request.mine.withdrawn", number=request.id or 0))


# -- answering the officers' question ----------------------------------------------------------


async def _asking_body(ctx: Ctx, request: Request | None) -> str:
    """The organisation that asked: the branch, or the base committee at the upper stage."""
    org = await ctx.session.get(Organisation, request.stage_org_id or request.branch_id) \
        if request else None
    return org.name if org else ""


async def _answer_prompt(ctx: Ctx) -> Prompt:
    request = await ctx.session.get(Request, ctx.data["request"])
    question = request.question if request else ""
    hint = "request.answer.hint_file" if ctx.channel.files else "request.answer.hint"
    return Prompt([Msg("request.answer.ask", number=ctx.data["request"], question=question,
                       org=await _asking_body(ctx, request)), Msg(hint)])


async def _answer(ctx: Ctx, answer: Answer) -> Outcome:
    text = (answer.text or "").strip() or None
    if text is None and answer.file is None:
        return Invalid(Msg("request.error.text_empty"))
    if text is not None and len(text) > MAX_TEXT:
        return Invalid(Msg("request.error.text_too_long", length=len(text), limit=MAX_TEXT))
    request = await _own_open(ctx, ctx.data["request"])
    asked = await _asking_body(ctx, request)
    if request is None or not await decisions.answer(Act.of(ctx), request,
                                                      ctx.data["revision"], text, answer.file):
        return Done(Msg("request.answer.not_needed", number=ctx.data["request"]))
    return Done(Msg("request.answer.sent", number=request.id or 0, org=asked))


MINE_FLOW = Flow(MINE, {"list": Step(_list_prompt, _list),
                        "withdraw": Step(_withdraw_prompt, _withdraw)}, _mine_start)
ANSWER = Flow(ANSWER_FLOW, {"answer": Step(_answer_prompt, _answer)}, go("answer"))

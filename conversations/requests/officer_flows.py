"""The officers' side of requests of every type: a rejection's reason or a question, the
meeting details of a recorded decision (with undo), and the list of requests waiting."""

from __future__ import annotations

from datetime import timedelta

from conversations import officers
from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    Invalid,
    Next,
    Outcome,
    Prompt,
    StartFlow,
    Step,
    go,
    written,
)
from conversations.requests import decisions, kinds, notices, routing
from conversations.requests.act import Act
from conversations.requests.actions import NOTE_FLOW, RECORDED_FLOW
from conversations.requests.kinds import MAX_TEXT
from storage.models import Request, RequestDecision
from storage.repos import orgs, requests
from vocabulary.dates import parse_date
from vocabulary.messages import Msg
from vocabulary.types import Choice

WAITING = "request_waiting"
MAX_RESOLUTION = 60
WITH_MEETING = (decisions.APPROVED, decisions.REJECTED, decisions.FORWARDED,
                decisions.TO_CONFIRM)


async def _note_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg(f"request.ask.note.{ctx.data['outcome']}",
                       number=ctx.data["request"])])


async def _note(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_TEXT, "request.error.text_empty", "request.error.text_too_long")
    if isinstance(text, Invalid):
        return text
    request = await ctx.session.get(Request, ctx.data["request"])
    if request is None or ctx.member not in await routing.deciders(ctx.session, request,
                                                                   ctx.settings):
        return Done(Msg("request.officer.not_allowed"))  # the role ended since the tap
    decision = await decisions.decide(Act.of(ctx), request, ctx.data["revision"],
                                      ctx.data["outcome"], note=text)
    if decision is None:
        return Done(Msg("request.officer.already", number=request.id or 0,
                        status=Msg(f"request.status.{request.status}")),
                    *await notices.last_decision_lines(ctx.session, request))
    return StartFlow(RECORDED_FLOW, {"decision": decision.id})


async def _decision(ctx: Ctx) -> RequestDecision | None:
    decision = await ctx.session.get(RequestDecision, ctx.data.get("decision") or 0)
    if decision is None or ctx.member is None or decision.by_member_id != ctx.member.id:
        return None
    return decision


async def _action(ctx: Ctx, decision: RequestDecision) -> str:
    request = await ctx.session.get(Request, decision.request_id)
    return kinds.of(request).action if request else ""


async def _details_prompt(ctx: Ctx) -> Prompt:
    decision = await _decision(ctx)
    if decision is None:
        return Prompt([Msg("flow.expired")], [("done", Msg("request.details.done"))])
    body = [Msg("request.officer.recorded", number=decision.request_id,
                outcome=Msg(f"request.outcome.{decision.outcome}"))]
    if decision.outcome in WITH_MEETING:
        body += [Msg("request.details.meeting", date=decision.meeting_on),
                 Msg("request.details.resolution",
                     number=decision.resolution_no or Msg("common.none")),
                 Msg("request.details.hint")]
    window = timedelta(minutes=ctx.settings.decision_undo_minutes)
    undo = [Choice(f"a:{await _action(ctx, decision)}:undo:{decision.id}",
                   Msg("request.button.undo", minutes=ctx.settings.decision_undo_minutes))] \
        if decision.undone_at is None and ctx.now - decision.at <= window else []
    return Prompt(body, [("done", Msg("request.details.done"))], actions=undo)


async def _details(ctx: Ctx, answer: Answer) -> Outcome:
    decision = await _decision(ctx)
    if answer.option == "done" or decision is None or decision.undone_at is not None:
        return Done(Msg("request.details.saved")) if decision else Done()
    text = (answer.text or "").strip()
    if decision.outcome not in WITH_MEETING or not text:
        return Invalid(Msg("common.please_choose"))
    day = parse_date(text, ctx.today)
    act = Act.of(ctx)
    if day is not None:
        if day > ctx.today:
            return Invalid(Msg("request.error.meeting_future"))
        await decisions.meeting_details(act, decision, day, None)
    elif len(text) > MAX_RESOLUTION:
        return Invalid(Msg("request.error.text_too_long", length=len(text),
                           limit=MAX_RESOLUTION))
    else:
        await decisions.meeting_details(act, decision, None, text)
    return Next("details")


# -- requests waiting for this officer ---------------------------------------------------------


async def _waiting(ctx: Ctx) -> list[Request]:
    assert ctx.member is not None
    org_ids: set[int] = set()
    for role in await orgs.roles_of(ctx.session, ctx.member.id or 0):
        org_ids |= await officers.subtree_ids(ctx.session, role.org_id)
    found = await requests.waiting_at(ctx.session, sorted(org_ids))
    return [r for r in found
            if ctx.member in await routing.deciders(ctx.session, r, ctx.settings)]


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and bool(await orgs.roles_of(ctx.session, ctx.member.id or 0))


async def waiting_count(ctx: Ctx) -> int:
    """How many requests wait for this officer (shown on the officers' menu entry)."""
    return len(await _waiting(ctx)) if await visible(ctx) else 0


async def _waiting_start(ctx: Ctx) -> Outcome:
    if not await _waiting(ctx):
        return Done(Msg("request.waiting.none"))
    return Next("list")


async def _list_prompt(ctx: Ctx) -> Prompt:
    lines, options = [Msg("request.waiting.head")], []
    for request in await _waiting(ctx):
        line = await notices.waiting_line(ctx.session, request)
        lines.append(line)
        options.append((str(request.id), Msg("request.waiting.option", number=request.id)))
    return Prompt(lines, options)


async def _list(ctx: Ctx, answer: Answer) -> Outcome:
    chosen = next((r for r in await _waiting(ctx) if str(r.id) == answer.option), None)
    if chosen is None:
        return Invalid(Msg("common.please_choose"))
    ctx.data["request"] = chosen.id
    return Next("request")


async def _request_prompt(ctx: Ctx) -> Prompt:
    request = await ctx.session.get(Request, ctx.data["request"])
    if request is None:
        return Prompt([Msg("flow.expired")])
    body, buttons = await notices.decider_message(ctx.session, request)
    return Prompt(body, actions=buttons)


async def _request(ctx: Ctx, _answer: Answer) -> Outcome:
    return Invalid(Msg("common.please_choose"))


NOTE = Flow(NOTE_FLOW, {"note": Step(_note_prompt, _note)}, go("note"))
RECORDED = Flow(RECORDED_FLOW, {"details": Step(_details_prompt, _details)}, go("details"))
WAITING_FLOW = Flow(WAITING, {"list": Step(_list_prompt, _list),
                              "request": Step(_request_prompt, _request)}, _waiting_start)

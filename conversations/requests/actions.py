"""The request buttons: every tap re-checks, from the database, who may do what right now."""

from __future__ import annotations

from bot.i18n import Msg
from conversations.context import Ctx
from conversations.flow import Outcome, StartFlow
from conversations.registry import ActionFn
from conversations.requests import decisions, notices, routing
from conversations.requests.act import Act
from conversations.requests.kinds import RequestType
from conversations.text import as_id
from storage.models import Request, RequestDecision, RequestStatus
from storage.repos import orgs

NOTE_FLOW, RECORDED_FLOW, ANSWER_FLOW = "request_note", "request_recorded", "request_answer"
AT_ONCE = {"ok": decisions.APPROVED, "def": decisions.DEFERRED, "cy": decisions.CONSENTED,
           "ack": decisions.ACKNOWLEDGED, "cfm": decisions.CONFIRMED}
WITH_NOTE = {"no": decisions.REJECTED, "ask": decisions.MORE_INFO,
             "cn": decisions.CONSENT_REFUSED, "cno": decisions.NOT_CONFIRMED}


def action_for(request_type: RequestType) -> ActionFn:
    """The handler of one type's buttons: `a:ACTION:VERB:ID[:REVISION]`."""

    async def act_on(ctx: Ctx, args: list[str]) -> Outcome | None:
        verb, raw = (args[0], args[1:]) if args else ("", [])
        numbers = [as_id(n) for n in raw]
        if not numbers or None in numbers:  # forged: "²", or beyond any id
            return _refuse(ctx, None, verb, request_type.name)
        ids = [n for n in numbers if n is not None]
        if verb == "undo":
            return await _undo(ctx, ids[0], request_type)
        request = await ctx.session.get(Request, ids[0])
        revision = ids[1] if len(ids) > 1 else -1
        if request is None or request.type != request_type.name:
            return _refuse(ctx, None, verb, request_type.name)
        if verb == "ans":
            return await _answer(ctx, request, revision)
        if verb in AT_ONCE or verb in WITH_NOTE:
            return await _decide(ctx, request, revision, verb)
        return _refuse(ctx, request, verb, request.type)

    return act_on


async def _decide(ctx: Ctx, request: Request, revision: int, verb: str) -> Outcome | None:
    assert ctx.member is not None
    deciders = await routing.deciders(ctx.session, request, ctx.settings)
    allowed = ctx.member in deciders
    if request.revision != revision or request.status != RequestStatus.PENDING:
        if allowed or await _connected(ctx, request):
            ctx.reply(*await _already(ctx, request))
            return None
        return _refuse(ctx, request, verb, request.type)
    if not allowed or request.stage is None or verb not in notices.VERBS[request.stage]:
        return _refuse(ctx, request, verb, request.type)
    if verb in WITH_NOTE:
        return StartFlow(NOTE_FLOW, {"request": request.id, "revision": revision,
                                     "outcome": WITH_NOTE[verb]})
    decision = await decisions.decide(Act.of(ctx), request, revision, AT_ONCE[verb])
    if decision is None:  # another officer's tap got there first, in a parallel transaction
        ctx.reply(*await _already(ctx, request))
        return None
    return StartFlow(RECORDED_FLOW, {"decision": decision.id})


async def _undo(ctx: Ctx, decision_id: int, request_type: RequestType) -> Outcome | None:
    assert ctx.member is not None
    decision = await ctx.session.get(RequestDecision, decision_id)
    request = await ctx.session.get(Request, decision.request_id) if decision else None
    if decision is None or request is None or request.type != request_type.name \
            or decision.by_member_id != ctx.member.id:
        return _refuse(ctx, request, "undo", request_type.name)
    if await decisions.undo(Act.of(ctx), decision):
        ctx.reply(Msg("request.officer.undone", number=decision.request_id))
    else:
        ctx.reply(Msg("request.officer.undo_too_late", number=decision.request_id,
                      minutes=ctx.settings.decision_undo_minutes))
    return None


async def _answer(ctx: Ctx, request: Request, revision: int) -> Outcome | None:
    assert ctx.member is not None
    if request.member_id != ctx.member.id:
        return _refuse(ctx, request, "ans", request.type)
    if request.status != RequestStatus.MORE_INFO or request.revision != revision:
        ctx.reply(Msg("request.answer.not_needed", number=request.id or 0))
        return None
    return StartFlow(ANSWER_FLOW, {"request": request.id, "revision": revision})


async def _already(ctx: Ctx, request: Request) -> list[Msg]:
    """What became of a request whose button is out of date."""
    return [Msg("request.officer.already", number=request.id or 0,
                status=Msg(f"request.status.{request.status}")),
            *await notices.last_decision_lines(ctx.session, request)]


async def _connected(ctx: Ctx, request: Request) -> bool:
    """An officer of the member's branch or of a committee above it (told, not refused)."""
    assert ctx.member is not None
    if ctx.member.id == request.member_id:
        return False
    held = {role.org_id for role in await orgs.roles_of(ctx.session, ctx.member.id or 0)}
    return bool(held & await notices.org_chain(ctx.session, request.branch_id))


def _refuse(ctx: Ctx, request: Request | None, verb: str, type_name: str) -> None:
    ctx.audit(f"{type_name}.refused", (type_name, request.id if request else "?"), verb=verb)
    ctx.reply(Msg("request.officer.not_allowed"))
    return

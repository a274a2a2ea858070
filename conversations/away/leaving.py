"""«Toi di lam an xa»: where, why, from and until when, and what the member asks for (or a
secretary records it for a member who told him/her in person)."""

from __future__ import annotations

from datetime import date

from conversations import member_search, officers
from conversations.away import hosts
from conversations.away.kind import deciding_roles
from conversations.away.rules import (
    ARRANGEMENTS,
    NAME,
    OTHER,
    REASONS,
    end_problem,
    latest_end,
    start_problem,
)
from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    Invalid,
    Next,
    Outcome,
    Prompt,
    Step,
    static,
    written,
)
from conversations.requests import decisions, notices, periods
from conversations.requests.act import Act
from conversations.requests.kinds import MAX_TEXT
from storage.models import AwayArrangement, Member, Request
from storage.phones import normalise_phone
from storage.repos import away, members, requests
from vocabulary.messages import Msg

RECORD = "away_record"
MAX_PLACE = 200


async def subject(ctx: Ctx) -> Member | None:
    """Whom the report is about: the person chatting, or the member the secretary chose."""
    member_id = ctx.data.get("member_id")
    return await ctx.session.get(Member, member_id) if member_id else None


async def blocker(ctx: Ctx, member: Member) -> Msg | None:
    """One away report open at a time, and none while an absence is already recorded."""
    found = await requests.open_for(ctx.session, member.id or 0, NAME)
    if found is not None:
        return Msg("away.error.already_open", number=found.id or 0,
                   status=Msg(f"request.status.{found.status}"))
    record = await away.current(ctx.session, member.id or 0)
    if record is not None:
        return Msg("away.error.already_away", place=record.place, start=record.starts_on)
    return None


async def _start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    ctx.data["member_id"] = ctx.member.id
    found = await blocker(ctx, ctx.member)
    return Done(found) if found else Next("place")


async def _place(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_PLACE, "request.error.text_empty", "request.error.text_too_long")
    if isinstance(text, Invalid):
        return text
    ctx.data["place"] = text
    return Next("reason")


async def _reason_prompt(_ctx: Ctx) -> Prompt:
    return Prompt([Msg("away.ask.reason")], [(r, Msg(f"away.reason.{r}")) for r in REASONS])


async def _reason(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in REASONS:
        return Invalid(Msg("common.please_choose"))
    ctx.data["reason"] = answer.option
    return Next("other_text" if answer.option == OTHER else "start")


async def _other_text(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_TEXT, "request.error.text_empty", "request.error.text_too_long")
    if isinstance(text, Invalid):
        return text
    ctx.data["reason_text"] = text
    return Next("start")


async def _start_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("away.ask.start")], [(periods.TODAY, Msg("away.today", date=ctx.today))])


def typed_date(ctx: Ctx, answer: Answer) -> date | Invalid:
    return periods.typed_date(answer, ctx.today, Msg("away.error.date"))


async def _start_date(ctx: Ctx, answer: Answer) -> Outcome:
    start = typed_date(ctx, answer)
    if isinstance(start, Invalid):
        return start
    if problem := start_problem(start, ctx.today, ctx.settings):
        return Invalid(problem)
    ctx.data["start"] = start.isoformat()
    return Next("arrangement")


async def _arrangement_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("away.ask.arrangement"),
                   Msg("away.rule.arrangements", months=ctx.settings.away_max_months,
                       min_months=ctx.settings.away_transfer_min_months)],
                  [(a, Msg(f"away.arrangement_option.{a}")) for a in ARRANGEMENTS])


async def _arrangement(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in ARRANGEMENTS:
        return Invalid(Msg("common.please_choose"))
    ctx.data["arrangement"] = answer.option
    return Next("end")


def _latest(ctx: Ctx) -> date:
    return latest_end(date.fromisoformat(ctx.data["start"]), ctx.settings.away_max_months)


async def _end_prompt(ctx: Ctx) -> Prompt:
    start = date.fromisoformat(ctx.data["start"])
    if ctx.data["arrangement"] == AwayArrangement.INFORM:
        return Prompt([Msg("away.ask.end", start=start)], [("unsure", Msg("away.end.unsure"))])
    return Prompt([Msg("away.ask.end", start=start)],
                  [("longest", Msg("away.end.longest", date=_latest(ctx)))])


async def _end_date(ctx: Ctx, answer: Answer) -> Outcome:
    kind = AwayArrangement(ctx.data["arrangement"])
    if answer.option == "unsure" and kind == AwayArrangement.INFORM:
        ctx.data["end"] = None
        return Next("phone")
    end = _latest(ctx) if answer.option == "longest" and kind != AwayArrangement.INFORM \
        else typed_date(ctx, answer)
    if isinstance(end, Invalid):
        return end
    start = date.fromisoformat(ctx.data["start"])
    if problem := end_problem(start, end, kind, ctx.settings, start):
        return Invalid(problem)
    ctx.data["end"] = end.isoformat()
    return Next("host" if kind == AwayArrangement.TRANSFER else "phone")


async def _phone_prompt(_ctx: Ctx) -> Prompt:
    return Prompt([Msg("away.ask.phone")], [("same", Msg("away.phone.same"))])


async def _phone(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "same":
        ctx.data["phone"] = None
        return Next("confirm")
    phone = normalise_phone(answer.text or "", ctx.settings.phone_region)
    if phone is None:
        return Invalid(Msg("away.error.phone"))
    ctx.data["phone"] = phone
    return Next("confirm")


def draft(ctx: Ctx, member: Member) -> Request:
    data = ctx.data
    detail = {"place": data["place"], "arrangement": data["arrangement"]}
    for key in ("phone", "host_name"):
        if data.get(key):
            detail[key] = data[key]
    return Request(
        type=NAME, member_id=member.id or 0, branch_id=member.branch_id,
        kind=data["arrangement"], reason=data["reason"], reason_text=data.get("reason_text"),
        starts_on=date.fromisoformat(data["start"]),
        ends_on=date.fromisoformat(data["end"]) if data.get("end") else None,
        other_org_id=data.get("host_id"), detail=detail,
        recorded_by=ctx.member.id if ctx.member and ctx.member.id != member.id else None,
        created_at=ctx.now, stage_since=ctx.now)


async def _confirm_prompt(ctx: Ctx) -> Prompt:
    member = await subject(ctx)
    assert member is not None
    request = draft(ctx, member)
    lines = await notices.summary(ctx.session, request)
    asks = Msg("away.preview.asks", kind=Msg(f"away.kind.{request.kind}")) \
        if request.recorded_by is None else \
        Msg("away.preview.asks_for", kind=Msg(f"away.kind.{request.kind}"),
            name=member.full_name)
    return Prompt([Msg("request.preview"), asks, *lines[1:],
                   Msg(f"away.rule.decision.{request.kind}")],
                  [("send", Msg("request.send")), ("cancel", Msg("request.cancel"))])


async def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "cancel":
        return Done(Msg("cancel.done"))
    if answer.option != "send":
        return Invalid(Msg("common.please_choose"))
    member = await subject(ctx)
    if member is None:
        return Done(Msg("flow.expired"))
    if found := await blocker(ctx, member):  # another chat may have sent one meanwhile
        return Done(found)
    request = draft(ctx, member)
    told = await decisions.submit(Act.of(ctx), request)
    done = [Msg("request.submitted", number=request.id or 0)]
    if request.kind == AwayArrangement.TRANSFER:
        done.append(Msg("away.transfer.steps"))
    if request.recorded_by is not None:
        ctx.notify(member.id or 0, Msg("request.member.recorded_for_you", number=request.id or 0,
                                       officer=ctx.member.full_name if ctx.member else ""),
                   dedupe_key=notices.member_key(request, "recorded"))
    if not told:
        return Done(*done, Msg("request.no_deciders"))
    return Done(*done, Msg(f"away.rule.after_submit.{request.kind}"))


# -- a secretary records an away report for a member ------------------------------------------


async def branches_led(ctx: Ctx) -> list[int]:
    assert ctx.member is not None
    held = await officers.roles_in(ctx.session, ctx.member, deciding_roles(ctx.settings))
    return sorted({officer.org_id for officer in held})


async def visible_for_officer(ctx: Ctx) -> bool:
    return ctx.member is not None and bool(await branches_led(ctx))


async def _record_start(ctx: Ctx) -> Outcome:
    if not await branches_led(ctx):
        return Done(Msg("away.record.not_allowed"))
    handed = await subject(ctx)  # from an exemption request whose reason is working away
    if handed is not None and handed.branch_id in await branches_led(ctx):
        return await _chosen(ctx, handed)
    return Next("who")


async def _who(ctx: Ctx, answer: Answer) -> Outcome:
    candidates = await members.in_orgs(ctx.session, await branches_led(ctx))
    return await member_search.found_one(ctx, answer, candidates, _chosen)


async def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    return await member_search.picked_one(ctx, answer, _chosen)


async def _chosen(ctx: Ctx, member: Member) -> Outcome:
    if found := await blocker(ctx, member):
        return Invalid(found) if ctx.state.step else Done(found)
    ctx.data["member_id"] = member.id
    return Next("place")


STEPS = {
    "place": Step(static(Msg("away.ask.place")), _place),
    "reason": Step(_reason_prompt, _reason),
    "other_text": Step(static(Msg("away.ask.other_text")), _other_text),
    "start": Step(_start_prompt, _start_date),
    "arrangement": Step(_arrangement_prompt, _arrangement),
    "end": Step(_end_prompt, _end_date),
    **hosts.STEPS,
    "phone": Step(_phone_prompt, _phone),
    "confirm": Step(_confirm_prompt, _confirm),
}
FLOW = Flow(NAME, STEPS, _start)
RECORD_FLOW = Flow(RECORD, {"who": Step(static(Msg("away.record.who")), _who),
                            "pick": Step(member_search.pick_prompt, _pick), **STEPS},
                   _record_start)

"""A member asks for reduction of, or exemption from, party work and meetings (or a secretary
records such a request for a member who came in person)."""

from __future__ import annotations

from datetime import date

from conversations import consent, member_search, officers
from conversations.context import Ctx
from conversations.exemption import effects, stages
from conversations.exemption.kind import NAME
from conversations.exemption.reasons import Reason, reasons
from conversations.exemption.rules import period_problem, start_problem
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
    static,
    written,
)
from conversations.requests import decisions, notices, periods
from conversations.requests.act import Act
from conversations.requests.kinds import MAX_TEXT
from storage.models import Member, ReliefKind, Request
from storage.repos import members, requests
from vocabulary.messages import Msg

RECORD = "exemption_record"
# Working away from home is reported in its own flow (conversations/away), named here only.
WORK_AWAY, AWAY_FLOW, AWAY_RECORD_FLOW = "mobile_work", "away", "away_record"


async def _subject(ctx: Ctx) -> Member | None:
    """The member the request is for: the person chatting, or the one the secretary chose."""
    member_id = ctx.data.get("member_id")
    return await ctx.session.get(Member, member_id) if member_id else None


async def _blocker(ctx: Ctx, member: Member) -> Msg | None:
    """Why this member cannot ask now: a request still open, or a relief already in force."""
    found = await requests.open_for(ctx.session, member.id or 0, NAME)
    if found is not None:
        return already_open(found)
    relief = await in_force(ctx, member.id or 0)
    if relief is not None:
        return Msg("exemption.error.in_force", number=relief.id or 0,
                   kind=Msg(f"exemption.kind.{relief.kind}"))
    return None


def already_open(found: Request) -> Msg:
    return Msg("exemption.error.already_open", number=found.id or 0,
               status=Msg(f"request.status.{found.status}"))


async def in_force(ctx: Ctx, member_id: int) -> Request | None:
    """The member's reduction or exemption in force, if any."""
    return await requests.in_force(ctx.session, member_id, NAME, (ReliefKind.RETURN,))


async def _start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    ctx.data["member_id"] = ctx.member.id
    blocker = await _blocker(ctx, ctx.member)
    return Done(blocker) if blocker else Next("kind")


async def _kind_prompt(ctx: Ctx) -> Prompt:
    rules = [Msg("exemption.rule.kinds")]
    if not ctx.settings.exemption_reduction_for_fixed_reasons:
        rules.append(Msg("exemption.rule.reduction_health_only"))
    return Prompt([Msg("exemption.ask.kind"), *rules],
                  [(k, Msg(f"exemption.kind_option.{k}"))
                   for k in (ReliefKind.REDUCTION, ReliefKind.EXEMPTION)])


async def _kind(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in (ReliefKind.REDUCTION, ReliefKind.EXEMPTION):
        return Invalid(Msg("common.please_choose"))
    ctx.data["kind"] = answer.option
    return Next("reason")


def _reasons(ctx: Ctx) -> list[Reason]:
    """The reasons this kind may give: 09-HD/BTCTW lists only exemption for the fixed-period
    ones (UNCONFIRMED for the 2022 guidance, hence the setting)."""
    found = reasons(ctx.settings.exemption_reasons_file)
    if ctx.data.get("kind") == ReliefKind.REDUCTION and \
            not ctx.settings.exemption_reduction_for_fixed_reasons:
        return [r for r in found if r.open_ended]
    return list(found)


async def _reason_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("exemption.ask.reason")], [(r.code, r.label) for r in _reasons(ctx)])


async def _reason(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == WORK_AWAY and ctx.data.get("kind") == ReliefKind.EXEMPTION:
        # Working away is asked for as the away report's tam mien (01-HD/TW 10.3).
        recording = ctx.member is not None and ctx.data.get("member_id") != ctx.member.id
        return StartFlow(AWAY_RECORD_FLOW if recording else AWAY_FLOW,
                         {"member_id": ctx.data.get("member_id")})
    chosen = next((r for r in _reasons(ctx) if r.code == answer.option), None)
    if chosen is None:
        return Invalid(Msg("common.please_choose"))
    ctx.data["reason"] = chosen.code
    ctx.data["reason_label"] = chosen.label_text  # a province's own label stays with it
    if chosen.open_ended:
        return Next("certificate")
    return Next("other_text" if chosen.asks_text else "start")


async def _certificate_prompt(ctx: Ctx) -> Prompt:
    key = "exemption.ask.certificate" if ctx.channel.files else "exemption.ask.certificate_no_files"
    return Prompt([Msg("exemption.rule.health"), Msg(key)],
                  [("meeting", Msg("exemption.certificate.at_meeting"))])


async def _certificate(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.file is not None:
        ctx.data["certificate"] = answer.file.__dict__
        ctx.data["at_meeting"] = False
    elif answer.option == "meeting":
        ctx.data["certificate"], ctx.data["at_meeting"] = None, True
    else:
        return Invalid(Msg("exemption.error.certificate_expected"))
    return Next("confirm")


async def _other_text(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, MAX_TEXT, "request.error.text_empty", "request.error.text_too_long")
    if isinstance(text, Invalid):
        return text
    ctx.data["reason_text"] = text
    return Next("start")


async def _start_prompt(ctx: Ctx) -> Prompt:
    member = await _subject(ctx)
    upper = await stages.deciding_committee(ctx.session, ctx.settings,
                                            member.branch_id if member else 0)
    return Prompt([Msg("exemption.ask.start"),
                   Msg("exemption.rule.period", months=ctx.settings.exemption_max_months),
                   stages.routing_rule(upper)],
                  [(periods.TODAY, Msg("exemption.today", date=ctx.today))])


def _date(ctx: Ctx, answer: Answer) -> date | Invalid:
    return periods.typed_date(answer, ctx.today, Msg("exemption.error.date"))


async def _start_date(ctx: Ctx, answer: Answer) -> Outcome:
    start = _date(ctx, answer)
    if isinstance(start, Invalid):
        return start
    if problem := start_problem(start, ctx.today, ctx.settings.exemption_past_start_days):
        return Invalid(problem)
    ctx.data["start"] = start.isoformat()
    return Next("end")


async def _end_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("exemption.ask.end", start=date.fromisoformat(ctx.data["start"]))])


async def _end_date(ctx: Ctx, answer: Answer) -> Outcome:
    end = _date(ctx, answer)
    if isinstance(end, Invalid):
        return end
    start = date.fromisoformat(ctx.data["start"])
    problem = period_problem(start, end, ctx.today, ctx.settings.exemption_max_months,
                             ctx.settings.exemption_past_start_days)
    if problem is not None:
        return Invalid(problem)
    ctx.data["end"] = end.isoformat()
    return Next("confirm")


def _draft(ctx: Ctx, member: Member) -> Request:
    data = ctx.data
    return Request(
        type=NAME, member_id=member.id or 0, branch_id=member.branch_id, kind=data["kind"],
        reason=data["reason"], reason_text=data.get("reason_text"),
        starts_on=date.fromisoformat(data["start"]) if data.get("start") else None,
        ends_on=date.fromisoformat(data["end"]) if data.get("end") else None,
        attachment=data.get("certificate"), attachment_at_meeting=bool(data.get("at_meeting")),
        detail={"reason_label": data["reason_label"]} if data.get("reason_label") else {},
        recorded_by=ctx.member.id if ctx.member and ctx.member.id != member.id else None,
        created_at=ctx.now, stage_since=ctx.now)


async def _confirm_prompt(ctx: Ctx) -> Prompt:
    member = await _subject(ctx)
    assert member is not None
    draft = _draft(ctx, member)
    lines = await notices.summary(ctx.session, draft)
    asks = (Msg("exemption.preview.asks", kind=effects.kind_label(draft))
            if draft.recorded_by is None else
            Msg("exemption.preview.asks_for", kind=effects.kind_label(draft),
                name=member.full_name))
    upper = await stages.upper_org(ctx.session, ctx.settings, draft)
    rule = Msg("exemption.rule.decision_proposes", org=upper.name) if upper else \
        Msg("exemption.rule.decision")
    return Prompt([Msg("request.preview"), asks, *lines[1:], rule],
                  [("send", Msg("request.send")), ("cancel", Msg("request.cancel"))])


async def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option == "cancel":
        return Done(Msg("cancel.done"))
    if answer.option != "send":
        return Invalid(Msg("common.please_choose"))
    member = await _subject(ctx)
    if member is None:
        return Done(Msg("flow.expired"))
    blocker = await _blocker(ctx, member)  # another chat may have sent one meanwhile
    if blocker is not None:
        return Done(blocker)
    request = _draft(ctx, member)
    told = await decisions.submit(Act.of(ctx), request)
    if request.recorded_by is not None and ctx.data.get("paper_consent"):
        await consent.record_paper(ctx, member, request.id)
    done = [Msg("request.submitted", number=request.id or 0)]
    if request.recorded_by is not None:
        ctx.notify(member.id or 0, Msg("request.member.recorded_for_you",
                                       number=request.id or 0, officer=ctx.member.full_name
                                       if ctx.member else ""),
                   dedupe_key=notices.member_key(request, "recorded"))
    if not told:
        return Done(*done, Msg("request.no_deciders"))
    if request.recorded_by is not None:  # his own list of requests does not show it
        return Done(*done, Msg("exemption.record.after_submit", name=member.full_name))
    return Done(*done, Msg("request.rule.after_submit"))


# -- a secretary records a request for a member ------------------------------------------------


async def _record_start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    if not await _branches_led(ctx):
        return Done(Msg("exemption.record.not_allowed"))
    return Next("who")


async def _branches_led(ctx: Ctx) -> list[int]:
    assert ctx.member is not None
    roles = stages.deciding_roles(ctx.settings)
    held = await officers.roles_in(ctx.session, ctx.member, roles)
    return sorted({officer.org_id for officer in held})


async def visible_for_officer(ctx: Ctx) -> bool:
    return ctx.member is not None and bool(await _branches_led(ctx))


async def _who(ctx: Ctx, answer: Answer) -> Outcome:
    candidates = await members.in_orgs(ctx.session, await _branches_led(ctx))
    return await member_search.found_one(ctx, answer, candidates, _chosen)


async def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    return await member_search.picked_one(ctx, answer, _chosen)


async def _chosen(ctx: Ctx, member: Member) -> Outcome:
    blocker = await _blocker(ctx, member)
    if blocker is not None:
        return Invalid(blocker)
    ctx.data["member_id"] = member.id
    return Next(consent.PAPER)


STEPS = {
    "kind": Step(_kind_prompt, _kind),
    "reason": Step(_reason_prompt, _reason),
    "certificate": Step(_certificate_prompt, _certificate),
    "other_text": Step(static(Msg("exemption.ask.other_text")), _other_text),
    "start": Step(_start_prompt, _start_date),
    "end": Step(_end_prompt, _end_date),
    "confirm": Step(_confirm_prompt, _confirm),
}
FLOW = Flow(NAME, STEPS, _start)
RECORD_FLOW = Flow(RECORD, {"who": Step(static(Msg("exemption.record.who")), _who),
                            "pick": Step(member_search.pick_prompt, _pick),
                            consent.PAPER: Step(consent.paper_prompt, consent.paper_answer("kind")),
                            **STEPS}, _record_start)

"""After the tap that records a decision, what its documents need: the date and number of the
chi bo's resolution, of the dang uy's decision or of the managing committee's written consent,
the votes of the meeting and the committee that consented. Each is checked and may be skipped;
the undo button stays in reach while the window lasts."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from conversations.context import Ctx
from conversations.flow import (
    Answer,
    Done,
    Flow,
    HandleFn,
    Invalid,
    Next,
    Outcome,
    Prompt,
    Step,
    written,
)
from conversations.requests import decisions, kinds, reports
from conversations.requests.act import Act
from conversations.requests.actions import RECORDED_FLOW
from storage.models import Member, Organisation, Request, RequestDecision, RequestStage
from storage.repos import requests
from vocabulary.dates import parse_date
from vocabulary.messages import Msg
from vocabulary.types import Choice

MAX_NUMBER = 60
MAX_COMMITTEE = 200
# What each stage's documents carry, in the order they are asked for.
ASKED = {
    RequestStage.BRANCH: ("date", "number", "votes"),
    RequestStage.UPPER: ("date", "number"),
    RequestStage.CONSENT: ("committee", "date", "number"),
}
# A document number: letters, digits and the separators numbers are written with, and a digit.
_NUMBER = re.compile(r"[\w][\w ./\-\u2013]*")
_LOOKS_LIKE_DATE = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")
# Present, in favour, against: three whole numbers, apart by spaces, commas or slashes.
_VOTES = re.compile(r"\s*(\d+)[\s,;/]+(\d+)[\s,;/]+(\d+)\s*")
# What one step's answer adds to the decision (the names `decisions.record_details` takes).
Details = dict[str, Any]
Read = Callable[[Ctx, RequestDecision, Answer], Awaitable[Details | Invalid]]


async def _decision(ctx: Ctx) -> RequestDecision | None:
    decision = await ctx.session.get(RequestDecision, ctx.data.get("decision") or 0)
    if decision is None or ctx.member is None or decision.by_member_id != ctx.member.id:
        return None
    return decision


def _asked(decision: RequestDecision) -> tuple[str, ...]:
    if decision.outcome not in decisions.DOCUMENTED or decision.undone_at is not None:
        return ()
    return ASKED.get(RequestStage(decision.stage), ())


def _after(decision: RequestDecision, step: str) -> Next:
    asked = _asked(decision)
    following = asked[asked.index(step) + 1:] if step in asked else ()
    return Next(following[0] if following else "summary")


async def _start(ctx: Ctx) -> Outcome:
    decision = await _decision(ctx)
    if decision is None:
        return Done(Msg("flow.expired"))
    asked = _asked(decision)
    return Next(asked[0] if asked else "summary")


async def _undo(ctx: Ctx, decision: RequestDecision) -> list[Choice]:
    window = timedelta(minutes=ctx.settings.decision_undo_minutes)
    if decision.undone_at is not None or ctx.now - decision.at > window:
        return []
    request = await ctx.session.get(Request, decision.request_id)
    action = kinds.of(request).action if request else ""
    return [Choice(f"a:{action}:undo:{decision.id}",
                   Msg("request.button.undo", minutes=ctx.settings.decision_undo_minutes))]


async def _recorded(ctx: Ctx, decision: RequestDecision) -> list[Msg]:
    """What was recorded, and whether anybody above will hear of it."""
    said = [Msg("request.officer.recorded", number=decision.request_id,
                outcome=Msg(f"request.outcome.{decision.outcome}"))]
    if decision.detail.get(reports.NOBODY_ABOVE):
        request = await ctx.session.get(Request, decision.request_id)
        branch = await ctx.session.get(Organisation, request.branch_id) if request else None
        said.append(Msg("request.report.nobody_above", number=decision.request_id,
                        branch=branch.name if branch else ""))
    return said


async def _deciding_org(ctx: Ctx, decision: RequestDecision) -> str:
    """The organisation whose document it is (the stage's, before the decision moved it)."""
    org = await ctx.session.get(Organisation, decision.before.get("stage_org_id") or 0)
    return org.name if org else ""


async def _prompt(ctx: Ctx, step: str, question: list[Msg],
                  options: list[tuple[str, Msg]]) -> Prompt:
    decision = await _decision(ctx)
    if decision is None:
        return Prompt([Msg("flow.expired")], [("done", Msg("request.details.done"))])
    first = _asked(decision)[:1] == (step,)
    body = [*await _recorded(ctx, decision), *question] if first else question
    return Prompt(body, [*options, ("skip", Msg("request.details.skip"))],
                  actions=await _undo(ctx, decision))


def _answered(step: str, read: Read) -> HandleFn:
    """A step's answer: skipped, or read, checked and recorded; then the next step asked."""
    async def handle(ctx: Ctx, answer: Answer) -> Outcome:
        decision = await _decision(ctx)
        if decision is None:
            return Done(Msg("flow.expired"))
        if answer.option != "skip":
            details = await read(ctx, decision, answer)
            if isinstance(details, Invalid):
                return details
            await decisions.record_details(Act.of(ctx), decision, **details)
        return _after(decision, step)
    return handle


def _stage_key(decision: RequestDecision, what: str) -> str:
    return f"request.details.{decision.stage}.{what}"


# -- the date -------------------------------------------------------------------------------


async def _known_dates(ctx: Ctx, decision: RequestDecision) -> list[date]:
    """One-tap answers besides today: the branch's last recorded meeting (the meetings
    capability is to add its own last meeting here)."""
    request = await ctx.session.get(Request, decision.request_id)
    if request is None or decision.stage != RequestStage.BRANCH:
        return []
    last = await requests.last_meeting_on(ctx.session, request.branch_id, decision.stage,
                                          ctx.today, decision.id or 0)
    return [last] if last is not None and last != ctx.today else []


async def _date_prompt(ctx: Ctx) -> Prompt:
    decision = await _decision(ctx)
    if decision is None:
        return await _prompt(ctx, "date", [], [])
    options = [("today", Msg("request.details.today", date=ctx.today))]
    options += [(f"d{day.isoformat()}", Msg("request.details.last_meeting", date=day))
                for day in await _known_dates(ctx, decision)]
    question = Msg(_stage_key(decision, "ask_date"), org=await _deciding_org(ctx, decision))
    return await _prompt(ctx, "date", [question], options)


async def _date(ctx: Ctx, decision: RequestDecision, answer: Answer) -> Details | Invalid:
    day = await _chosen_date(ctx, decision, answer)
    return day if isinstance(day, Invalid) else {"meeting_on": day}


async def _chosen_date(ctx: Ctx, decision: RequestDecision, answer: Answer) -> date | Invalid:
    if answer.option == "today":
        return ctx.today
    known = {f"d{d.isoformat()}": d for d in await _known_dates(ctx, decision)}
    day = known.get(answer.option or "") or parse_date(answer.text or "", ctx.today)
    if day is None:
        return Invalid(Msg("request.error.date"))
    if day > ctx.today:
        return Invalid(Msg("request.error.meeting_future"))
    request = await ctx.session.get(Request, decision.request_id)
    # A managing committee's consent may come before the request; a meeting on it cannot.
    if request is not None and decision.stage != RequestStage.CONSENT:
        asked_on = request.created_at.astimezone(ctx.settings.tz).date()
        if day < asked_on:
            return Invalid(Msg("request.error.meeting_before_request", date=asked_on))
    return day


# -- the document's number --------------------------------------------------------------------


async def _number_prompt(ctx: Ctx) -> Prompt:
    decision = await _decision(ctx)
    question = [Msg(_stage_key(decision, "ask_number"))] if decision else []
    return await _prompt(ctx, "number", question, [])


async def _number(_ctx: Ctx, _decision: RequestDecision, answer: Answer) -> Details | Invalid:
    text = (answer.text or "").strip()
    if len(text) > MAX_NUMBER:
        return Invalid(Msg("request.error.text_too_long", length=len(text), limit=MAX_NUMBER))
    if _LOOKS_LIKE_DATE.fullmatch(text):
        return Invalid(Msg("request.error.number_is_date"))
    if not _NUMBER.fullmatch(text) or not any(c.isdigit() for c in text):
        return Invalid(Msg("request.error.number"))
    return {"resolution_no": text}


# -- the votes of the meeting -----------------------------------------------------------------


async def _votes_prompt(ctx: Ctx) -> Prompt:
    return await _prompt(ctx, "votes", [Msg("request.details.ask_votes")], [])


async def _votes(_ctx: Ctx, _decision: RequestDecision, answer: Answer) -> Details | Invalid:
    typed = _VOTES.fullmatch(answer.text or "")
    # A minus sign or a letter is no count of people: ask again rather than guess.
    if typed is None or int(typed[1]) < 1:
        return Invalid(Msg("request.error.votes"))
    present, agreed, against = (int(n) for n in typed.groups())
    if agreed + against > present:
        return Invalid(Msg("request.error.votes_sum", present=present))
    return {"present": present, "agreed": agreed, "against": against}


# -- the managing committee that consented ----------------------------------------------------


async def _roster_committee(ctx: Ctx, decision: RequestDecision) -> str | None:
    request = await ctx.session.get(Request, decision.request_id)
    member = await ctx.session.get(Member, request.member_id) if request else None
    return member.managing_body if member else None


async def _committee_prompt(ctx: Ctx) -> Prompt:
    decision = await _decision(ctx)
    known = await _roster_committee(ctx, decision) if decision else None
    options = [("roster", Msg("request.details.roster_committee", committee=known))] \
        if known else []
    return await _prompt(ctx, "committee", [Msg("request.details.ask_committee")], options)


async def _committee(ctx: Ctx, decision: RequestDecision, answer: Answer) -> Details | Invalid:
    if answer.option == "roster":
        return {"committee": await _roster_committee(ctx, decision)}
    typed = written(answer, MAX_COMMITTEE, "request.error.text_empty",
                    "request.error.text_too_long")
    return typed if isinstance(typed, Invalid) else {"committee": typed}


# -- what was recorded ------------------------------------------------------------------------


def lines(decision: RequestDecision, org: str) -> list[Msg]:
    """The recorded details, for the officer (and any report that wants them)."""
    found: list[Msg] = []
    detail = decision.detail
    if detail.get("committee"):
        found.append(Msg("request.details.committee", committee=detail["committee"]))
    asked = ASKED.get(RequestStage(decision.stage), ())
    if "date" in asked and decision.outcome in decisions.DOCUMENTED:
        found.append(Msg(_stage_key(decision, "date"), date=decision.meeting_on, org=org))
        found.append(Msg(_stage_key(decision, "number"),
                         number=decision.resolution_no or Msg("common.none")))
    if "present" in detail:
        found.append(Msg("request.details.votes", present=detail["present"],
                         agreed=detail["agreed"], against=detail["against"]))
    return found


async def _summary_prompt(ctx: Ctx) -> Prompt:
    decision = await _decision(ctx)
    if decision is None:
        return Prompt([Msg("flow.expired")], [("done", Msg("request.details.done"))])
    head = [] if _asked(decision) else await _recorded(ctx, decision)
    body = [*head, *lines(decision, await _deciding_org(ctx, decision))]
    return Prompt(body, [("done", Msg("request.details.done"))],
                  actions=await _undo(ctx, decision))


async def _summary(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option != "done":
        return Invalid(Msg("common.please_choose"))
    return Done(Msg("request.details.saved"))


RECORDED = Flow(RECORDED_FLOW, {
    "date": Step(_date_prompt, _answered("date", _date)),
    "number": Step(_number_prompt, _answered("number", _number)),
    "votes": Step(_votes_prompt, _answered("votes", _votes)),
    "committee": Step(_committee_prompt, _answered("committee", _committee)),
    "summary": Step(_summary_prompt, _summary),
}, _start)

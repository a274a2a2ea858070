"""While away: «Toi da ve» (the date back and the comment from where the member was), asking
for more time, and giving the return date once known."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from conversations.away import timers
from conversations.away.leaving import typed_date
from conversations.away.rules import EXTEND, NAME, latest_end
from conversations.away.rules import RETURN as RETURN_KIND
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
    PromptFn,
    Step,
)
from conversations.requests import decisions, notices, periods
from conversations.requests.act import Act
from storage.models import AwayArrangement, AwayRecord, Member, Request
from storage.repos import away, requests
from vocabulary.messages import Msg

RETURN_FLOW, EXTEND_FLOW, END_FLOW = "away_return", "away_extend", "away_end"
Draft = Callable[[Ctx, AwayRecord], Request]


async def _record(ctx: Ctx) -> AwayRecord | None:
    """The member's open record (the one a question named, or his/her current one)."""
    assert ctx.member is not None
    record = await ctx.session.get(AwayRecord, ctx.data["record"]) if ctx.data.get("record") \
        else await away.current(ctx.session, ctx.member.id or 0)
    if record is None or record.member_id != ctx.member.id or record.returned_on is not None:
        return None
    ctx.data["record"] = record.id
    return record


async def visible(ctx: Ctx) -> bool:
    return ctx.member is not None and await away.current(ctx.session, ctx.member.id or 0) \
        is not None


async def _opening(ctx: Ctx, first: str) -> Outcome:
    assert ctx.member is not None
    record = await _record(ctx)
    if record is None:
        return Done(Msg("away.return.none"))
    found = await requests.open_for(ctx.session, ctx.member.id or 0, NAME)
    if found is not None:
        return Done(Msg("away.error.already_open", number=found.id or 0,
                        status=Msg(f"request.status.{found.status}")))
    return Next(first)


def _request(ctx: Ctx, record: AwayRecord, kind: str, **fields: object) -> Request:
    assert ctx.member is not None
    detail = {"record": record.id, "arrangement": str(record.arrangement), "place": record.place}
    return Request(type=NAME, member_id=record.member_id, branch_id=record.branch_id,
                   kind=kind, reason=record.reason, related_id=record.request_id,
                   detail=detail, created_at=ctx.now, stage_since=ctx.now, **fields)


async def _send(ctx: Ctx, request: Request) -> Outcome:
    assert ctx.member is not None
    if await requests.open_for(ctx.session, ctx.member.id or 0, NAME) is not None:
        return Done(Msg("away.error.already_open_plain"))
    told = await decisions.submit(Act.of(ctx), request)
    done = [Msg("request.submitted", number=request.id or 0)]
    return Done(*done, Msg(f"away.rule.after_submit.{request.kind}") if told
                else Msg("request.no_deciders"))


def _confirm_prompt(make: Draft) -> PromptFn:
    """The summary of the request `make` drafts, with send and cancel."""

    async def prompt(ctx: Ctx) -> Prompt:
        record = await _record(ctx)
        if record is None:
            return Prompt([Msg("flow.expired")], [("cancel", Msg("request.cancel"))])
        lines = await notices.summary(ctx.session, make(ctx, record))
        return Prompt([Msg("request.preview"), *lines[1:]],
                      [("send", Msg("request.send")), ("cancel", Msg("request.cancel"))])

    return prompt


def _confirm(make: Draft) -> HandleFn:
    async def handle(ctx: Ctx, answer: Answer) -> Outcome:
        if answer.option == "cancel":
            return Done(Msg("cancel.done"))
        if answer.option != "send":
            return Invalid(Msg("common.please_choose"))
        record = await _record(ctx)
        if record is None:
            return Done(Msg("flow.expired"))
        return await _send(ctx, make(ctx, record))

    return handle


# -- «Toi da ve» -------------------------------------------------------------------------------


async def _return_start(ctx: Ctx) -> Outcome:
    return await _opening(ctx, "day")


async def _day_prompt(ctx: Ctx) -> Prompt:
    return Prompt([Msg("away.ask.back_on")], [(periods.TODAY, Msg("away.today", date=ctx.today))])


async def _day(ctx: Ctx, answer: Answer) -> Outcome:
    record = await _record(ctx)
    day = typed_date(ctx, answer)
    if isinstance(day, Invalid) or record is None:
        return day if isinstance(day, Invalid) else Done(Msg("flow.expired"))
    if day > ctx.today:
        return Invalid(Msg("away.error.back_future"))
    if day < record.starts_on:
        return Invalid(Msg("away.error.back_before_start", start=record.starts_on))
    ctx.data["day"] = day.isoformat()
    return Next("comment")


async def _comment_prompt(ctx: Ctx) -> Prompt:
    key = "away.ask.comment" if ctx.channel.files else "away.ask.comment_no_files"
    return Prompt([Msg("away.rule.comment"), Msg(key)],
                  [("meeting", Msg("away.comment.at_meeting"))])


async def _comment(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.file is not None:
        ctx.data["comment"], ctx.data["at_meeting"] = answer.file.__dict__, False
    elif answer.option == "meeting":
        ctx.data["comment"], ctx.data["at_meeting"] = None, True
    else:
        return Invalid(Msg("away.error.comment_expected"))
    return Next("confirm")


def _return_draft(ctx: Ctx, record: AwayRecord) -> Request:
    return _request(ctx, record, RETURN_KIND, starts_on=date.fromisoformat(ctx.data["day"]),
                    attachment=ctx.data.get("comment"),
                    attachment_at_meeting=bool(ctx.data.get("at_meeting")))


# -- asking for more time ----------------------------------------------------------------------


async def _extend_start(ctx: Ctx) -> Outcome:
    return await _opening(ctx, "end")


async def _end_prompt(ctx: Ctx) -> Prompt:
    record = await _record(ctx)
    if record is None:
        return Prompt([Msg("flow.expired")])
    latest = latest_end(record.starts_on, ctx.settings.away_max_months)
    return Prompt([Msg("away.ask.extend_end", end=record.ends_on or Msg("away.summary.unsure"),
                       latest=latest, months=ctx.settings.away_max_months)],
                  [("longest", Msg("away.end.longest", date=latest))])


async def _new_end(ctx: Ctx, answer: Answer) -> date | Invalid | Done:
    """The new return date, checked against today, the old date and the ceiling."""
    record = await _record(ctx)
    if record is None:
        return Done(Msg("flow.expired"))
    latest = latest_end(record.starts_on, ctx.settings.away_max_months)
    end = latest if answer.option == "longest" else typed_date(ctx, answer)
    if isinstance(end, Invalid):
        return end
    if end <= max(ctx.today, record.ends_on or record.starts_on):
        return Invalid(Msg("away.error.extend_not_later"))
    if end > latest:
        member = await ctx.session.get(Member, record.member_id)
        act = Act.of(ctx)
        await timers.tell_leaders(act, record, Msg(
            "away.leaders.ceiling", name=member.full_name if member else "",
            months=ctx.settings.away_max_months, start=record.starts_on),
            f"away-ceiling:{record.id}:{ctx.today}")
        return Done(Msg("away.ceiling", months=ctx.settings.away_max_months, latest=latest))
    return end


async def _extend_end(ctx: Ctx, answer: Answer) -> Outcome:
    end = await _new_end(ctx, answer)
    if not isinstance(end, date):
        return end
    ctx.data["end"] = end.isoformat()
    return Next("confirm")


def _extend_draft(ctx: Ctx, record: AwayRecord) -> Request:
    request = _request(ctx, record, EXTEND, starts_on=record.starts_on,
                       ends_on=date.fromisoformat(ctx.data["end"]))
    request.detail["previous_end"] = record.ends_on.isoformat() if record.ends_on else None
    return request


# -- the return date, once known ("not sure yet" before) ---------------------------------------


async def _end_start(ctx: Ctx) -> Outcome:
    record = await _record(ctx)
    return Next("end") if record is not None else Done(Msg("away.return.none"))


async def _end_known(ctx: Ctx, answer: Answer) -> Outcome:
    end = await _new_end(ctx, answer)
    if not isinstance(end, date):
        return end
    record = await _record(ctx)
    assert record is not None
    if record.arrangement != AwayArrangement.INFORM:  # a decided period moves by extension
        return Done(Msg("away.error.extend_instead"))
    record.ends_on, record.last_contact_at = end, ctx.now
    ctx.session.add(record)
    act = Act.of(ctx)
    await timers.plan(act, record)
    member = await ctx.session.get(Member, record.member_id)
    await timers.tell_leaders(act, record, Msg("away.leaders.end_known", name=member.full_name
                                               if member else "", end=end),
                              f"away-end-known:{record.id}:{end}")
    return Done(Msg("away.end_known", end=end))


RETURNING = Flow(RETURN_FLOW, {"day": Step(_day_prompt, _day),
                            "comment": Step(_comment_prompt, _comment),
                            "confirm": Step(_confirm_prompt(_return_draft),
                                            _confirm(_return_draft))},
              _return_start)
EXTENSION = Flow(EXTEND_FLOW, {"end": Step(_end_prompt, _extend_end),
                               "confirm": Step(_confirm_prompt(_extend_draft),
                                               _confirm(_extend_draft))},
                 _extend_start)
END = Flow(END_FLOW, {"end": Step(_end_prompt, _end_known)}, _end_start)

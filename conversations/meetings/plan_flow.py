"""Planning in chat: which organisation, what kind, the rule or the date and time, the place."""

from __future__ import annotations

import re
from datetime import datetime

from conversations.context import Ctx
from conversations.flow import Answer, Done, Flow, Invalid, Next, Outcome, Prompt, Step, written
from conversations.meetings import access, service
from conversations.meetings import rule as rules
from storage.models import MeetingKind, Organisation
from vocabulary.dates import parse_date
from vocabulary.messages import Msg
from vocabulary.text import as_id

PLAN = "meeting_plan"
KINDS = (MeetingKind.REGULAR, MeetingKind.THEMATIC, MeetingKind.EXTRAORDINARY)
TEXT_LIMIT = 120
_WHEN = re.compile(r"^(.+?)[,\s]+(\S+)$")


async def _start(ctx: Ctx) -> Outcome:
    assert ctx.member is not None
    orgs = await access.managed(ctx.session, ctx.member)
    if not orgs:
        return Done(Msg("meetings.not_allowed"))
    if len(orgs) == 1:
        ctx.data["org"] = orgs[0].id
        return Next("kind")
    return Next("org")


async def _org_prompt(ctx: Ctx) -> Prompt:
    assert ctx.member is not None
    orgs = await access.managed(ctx.session, ctx.member)
    options = [(f"o{o.id}", Msg("meetings.org_name", name=o.name)) for o in orgs]
    return Prompt([Msg("meetings.plan.which_org")], options)


async def _org(ctx: Ctx, answer: Answer) -> Outcome:
    assert ctx.member is not None
    org_id = as_id((answer.option or "")[1:])
    if org_id is None or not await access.may_manage(ctx.session, ctx.member, org_id):
        return Invalid(Msg("meetings.list.pick"))
    ctx.data["org"] = org_id
    return Next("kind")


async def _kind_prompt(_ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.plan.which_kind")],
                  [(str(kind), Msg(f"meetings.plan.kind.{kind}")) for kind in KINDS])


async def _kind(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.option not in KINDS:
        return Invalid(Msg("meetings.list.pick"))
    ctx.data["kind"] = answer.option
    return Next("when" if answer.option == MeetingKind.EXTRAORDINARY else "rule")


async def _rule_prompt(_ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.plan.ask_rule")])


async def _rule(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, TEXT_LIMIT, "meetings.plan.ask_rule", "meetings.plan.too_long")
    if isinstance(text, Invalid):
        return text
    try:
        rules.parse(text)
    except rules.RuleError as wrong:
        return Invalid(Msg(wrong.key, rule=text))
    ctx.data["rule"] = text
    return Next("place")


async def _when_prompt(_ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.plan.ask_when")])


def read_when(text: str, ctx: Ctx) -> datetime | Msg:
    """"20/12 19:30" or "20/12/2026, 8h": a local date and time, as an instant."""
    found = _WHEN.match(text.strip())
    day = parse_date(found.group(1), ctx.today) if found else None
    if found is None or day is None:
        return Msg("meetings.plan.bad_when")
    try:
        at = rules.parse_time(found.group(2))
    except rules.RuleError as wrong:
        return Msg(wrong.key)
    return datetime.combine(day, at, ctx.settings.tz)


async def _when(ctx: Ctx, answer: Answer) -> Outcome:
    text = written(answer, TEXT_LIMIT, "meetings.plan.ask_when", "meetings.plan.too_long")
    if isinstance(text, Invalid):
        return text
    when = read_when(text, ctx)
    if isinstance(when, Msg):
        return Invalid(when)
    if when <= ctx.now:
        return Invalid(Msg("meetings.error.past", at=when))
    ctx.data["when"] = when.isoformat()
    return Next("place")


async def _place_prompt(_ctx: Ctx) -> Prompt:
    return Prompt([Msg("meetings.plan.ask_place")])


async def _place(ctx: Ctx, answer: Answer) -> Outcome:
    place = written(answer, TEXT_LIMIT, "meetings.plan.ask_place", "meetings.plan.too_long")
    if isinstance(place, Invalid):
        return place
    assert ctx.member is not None
    org = await ctx.session.get(Organisation, ctx.data["org"])
    if org is None or not await access.may_manage(ctx.session, ctx.member, org.id or 0):
        return Done(Msg("meetings.not_allowed"))
    do = service.Doing(ctx.session, ctx.settings, ctx.now, ctx.member, ctx.outbox)
    kind = MeetingKind(ctx.data["kind"])
    try:
        if kind == MeetingKind.EXTRAORDINARY:
            meeting = await service.hold(do, org, kind, datetime.fromisoformat(ctx.data["when"]),
                                         place)
            ctx.audit("meeting.held", ("meeting", meeting.id))
            return Done(Msg("meetings.plan.held", at=meeting.starts_at, org=org.name))
        plan, planned = await service.plan(do, org, kind, ctx.data["rule"], place)
    except service.MeetingError as refused:
        return Done(refused.msg)
    ctx.audit("meeting.planned", ("meeting_plan", plan.id), rule=plan.rule)
    return Done(Msg("meetings.plan.done", rule=plan.rule, org=org.name, count=planned.meetings))


FLOW = Flow(PLAN, {
    "org": Step(_org_prompt, _org),
    "kind": Step(_kind_prompt, _kind),
    "rule": Step(_rule_prompt, _rule),
    "when": Step(_when_prompt, _when),
    "place": Step(_place_prompt, _place),
}, _start)
